package org.llmplatform.structured.bench;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Re-serializes the JSON value at a parser's current token as Python's {@code json.dumps(data,
 * indent=None, ensure_ascii=False)} does: separators {@code ", "} and {@code ": "}, non-ASCII kept,
 * numbers copied as written (the MaskBench files were written by Python).
 */
final class PythonJson {
  private PythonJson() {}

  static String dumps(JsonParser p) {
    StringBuilder sb = new StringBuilder();
    write(p, sb);
    return sb.toString();
  }

  private static void write(JsonParser p, StringBuilder sb) {
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT -> {
        sb.append('{');
        boolean first = true;
        while (p.nextToken() != JsonToken.END_OBJECT) {
          sb.append(first ? "" : ", ");
          quote(p.currentName(), sb);
          sb.append(": ");
          p.nextToken();
          write(p, sb);
          first = false;
        }
        sb.append('}');
      }
      case START_ARRAY -> {
        sb.append('[');
        boolean first = true;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          sb.append(first ? "" : ", ");
          write(p, sb);
          first = false;
        }
        sb.append(']');
      }
      case VALUE_STRING -> quote(p.getString(), sb);
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> sb.append(p.getString());
      case VALUE_TRUE -> sb.append("true");
      case VALUE_FALSE -> sb.append("false");
      case VALUE_NULL -> sb.append("null");
      default -> throw new IllegalStateException("unexpected token " + t);
    }
  }

  static void quote(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
