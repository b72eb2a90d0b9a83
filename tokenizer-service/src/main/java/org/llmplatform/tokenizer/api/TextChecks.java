package org.llmplatform.tokenizer.api;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.llmplatform.api.error.InvalidFieldException;
import org.llmplatform.api.tokenizer.ChatMessage;

/**
 * Rules on request text: well-formed Unicode (a JSON {@code \ud800} escape decodes to an unpaired
 * surrogate, which no tokenizer can encode faithfully) and a size limit.
 */
final class TextChecks {

  private TextChecks() {}

  static void check(String param, String text, long maxBytes) {
    if (utf8Length(text) > maxBytes) {
      throw new InvalidFieldException(
          param, param + " is longer than the limit of " + maxBytes + " UTF-8 bytes");
    }
    wellFormed(param, text);
  }

  static void wellFormed(String param, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new InvalidFieldException(
            param, param + " contains an unpaired surrogate at index " + i);
      }
    }
  }

  static void wellFormedMessages(List<ChatMessage> messages) {
    for (ChatMessage message : messages) {
      wellFormedValue(message.content());
      wellFormedValue(message.reasoningContent());
      wellFormedValue(message.name());
      wellFormedValue(message.toolCalls());
    }
  }

  static void wellFormedValue(Object value) {
    switch (value) {
      case null -> {}
      case String s -> wellFormed("messages", s);
      case Iterable<?> items -> items.forEach(TextChecks::wellFormedValue);
      case java.util.Map<?, ?> map ->
          map.forEach(
              (k, v) -> {
                wellFormedValue(k);
                wellFormedValue(v);
              });
      default -> {}
    }
  }

  static long utf8Length(String text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
