package org.llmplatform.structured.schema;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads tool calls back out of an output the way a gateway would: each opener, the one JSON value
 * right after it, then the closer. Throws {@link IllegalArgumentException} when the text is not so.
 */
final class ToolCallText {
  private static final JsonMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private ToolCallText() {}

  /** The calls of an output that is calls only: {@code call ("\n" call)*}. */
  static List<JsonNode> requiredCalls(String text, ToolCallFormat f) {
    List<JsonNode> calls = new ArrayList<>();
    int at = 0;
    while (true) {
      at = call(text, at, f, calls);
      if (at == text.length()) {
        return calls;
      }
      if (text.charAt(at) != '\n') {
        throw new IllegalArgumentException("text after call " + calls.size() + ": " + text);
      }
      at++;
    }
  }

  /** The call after each opener in a free text (a lazy grammar's output). */
  static List<JsonNode> callsAfterOpeners(String text, ToolCallFormat f) {
    List<JsonNode> calls = new ArrayList<>();
    int at = text.indexOf(f.opener());
    while (at >= 0) {
      at = call(text, at, f, calls);
      at = text.indexOf(f.opener(), at);
    }
    return calls;
  }

  /** Reads {@code opener JSON closer} at {@code at}; returns the index after it. */
  private static int call(String text, int at, ToolCallFormat f, List<JsonNode> calls) {
    if (!text.startsWith(f.opener(), at)) {
      throw new IllegalArgumentException("no opener at " + at + ": " + text);
    }
    int json = at + f.opener().length();
    String rest = text.substring(json);
    int end;
    try (JsonParser p = JSON.createParser(rest)) {
      calls.add(JSON.readTree(p));
      end = json + (int) p.currentLocation().getCharOffset();
    }
    if (!text.startsWith(f.closer(), end)) {
      throw new IllegalArgumentException("no closer at " + end + ": " + text);
    }
    return end + f.closer().length();
  }
}
