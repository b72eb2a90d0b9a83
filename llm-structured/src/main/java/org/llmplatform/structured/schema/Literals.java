package org.llmplatform.structured.schema;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.llmplatform.structured.automaton.Nfa;
import tools.jackson.databind.JsonNode;

/**
 * JSON values as fixed sentences ({@code const}, {@code enum}, property names): strings escaped as
 * Python's {@code json.dumps(ensure_ascii=False)} does, white space allowed between tokens,
 * integers also with a zero fraction ({@code 1.0}), since JSON Schema compares numbers by value.
 */
final class Literals {
  private Literals() {}

  /** Adds the sentences of {@code value} between {@code from} and {@code to}. */
  static void emit(JsonNode value, Nfa n, int from, int to) {
    if (value.isString()) {
      n.addLiteral(from, quote(value.asString()).getBytes(StandardCharsets.UTF_8), to);
    } else if (value.isBoolean() || value.isNull()) {
      n.addLiteral(from, value.toString().getBytes(StandardCharsets.US_ASCII), to);
    } else if (value.isNumber()) {
      emitNumber(value.decimalValue(), n, from, to);
    } else if (value.isArray()) {
      int at = n.newState();
      n.addByte(from, '[', at);
      at = ws(n, at);
      boolean first = true;
      for (JsonNode item : value) {
        if (!first) {
          int c = n.newState();
          n.addByte(at, ',', c);
          at = ws(n, c);
        }
        int nx = n.newState();
        emit(item, n, at, nx);
        at = ws(n, nx);
        first = false;
      }
      n.addByte(at, ']', to);
    } else if (value.isObject()) {
      int at = n.newState();
      n.addByte(from, '{', at);
      at = ws(n, at);
      boolean first = true;
      for (Map.Entry<String, JsonNode> e : value.properties()) {
        if (!first) {
          int c = n.newState();
          n.addByte(at, ',', c);
          at = ws(n, c);
        }
        int k = n.newState();
        n.addLiteral(at, quote(e.getKey()).getBytes(StandardCharsets.UTF_8), k);
        k = ws(n, k);
        int colon = n.newState();
        n.addByte(k, ':', colon);
        colon = ws(n, colon);
        int nx = n.newState();
        emit(e.getValue(), n, colon, nx);
        at = ws(n, nx);
        first = false;
      }
      n.addByte(at, '}', to);
    } else {
      throw new UnsupportedSchemaException("enum", "value " + value);
    }
  }

  private static void emitNumber(BigDecimal v, Nfa n, int from, int to) {
    BigDecimal stripped = v.stripTrailingZeros();
    if (stripped.scale() <= 0) {
      String digits = stripped.toBigInteger().toString();
      int mid = n.newState();
      n.addLiteral(from, digits.getBytes(StandardCharsets.US_ASCII), mid);
      n.addEpsilon(mid, to);
      if (stripped.signum() == 0) {
        n.addLiteral(from, "-0".getBytes(StandardCharsets.US_ASCII), mid);
      }
      int dot = n.newState();
      n.addByte(mid, '.', dot);
      int zeros = n.newState();
      n.addByte(dot, '0', zeros);
      n.addByte(zeros, '0', zeros);
      n.addEpsilon(zeros, to);
    } else {
      int mid = n.newState();
      n.addLiteral(from, stripped.toPlainString().getBytes(StandardCharsets.US_ASCII), mid);
      n.addEpsilon(mid, to);
      n.addByte(mid, '0', mid);
    }
  }

  /** Bounded JSON white space after {@code at}; returns the state after it. */
  private static int ws(Nfa n, int at) {
    int end = n.newState();
    n.addEpsilon(at, end);
    int cur = at;
    for (int i = 0; i < Lexemes.MAX_WHITESPACE; i++) {
      int nx = n.newState();
      for (char c : new char[] {' ', '\t', '\n', '\r'}) {
        n.addByte(cur, c, nx);
      }
      n.addEpsilon(nx, end);
      cur = nx;
    }
    return end;
  }

  /** The value as Python's {@code json.dumps(v, ensure_ascii=False)} writes it. */
  static String dumps(JsonNode v) {
    StringBuilder sb = new StringBuilder();
    dumps(v, sb);
    return sb.toString();
  }

  private static void dumps(JsonNode v, StringBuilder sb) {
    if (v.isString()) {
      sb.append(quote(v.asString()));
    } else if (v.isNumber()) {
      BigDecimal d = v.decimalValue();
      BigDecimal stripped = d.stripTrailingZeros();
      sb.append(
          v.isIntegralNumber() || stripped.scale() <= 0 && !v.isFloatingPointNumber()
              ? stripped.toBigInteger().toString()
              : d.toPlainString());
    } else if (v.isArray()) {
      sb.append('[');
      boolean first = true;
      for (JsonNode item : v) {
        sb.append(first ? "" : ", ");
        dumps(item, sb);
        first = false;
      }
      sb.append(']');
    } else if (v.isObject()) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<String, JsonNode> e : v.properties()) {
        sb.append(first ? "" : ", ").append(quote(e.getKey())).append(": ");
        dumps(e.getValue(), sb);
        first = false;
      }
      sb.append('}');
    } else {
      sb.append(v.toString());
    }
  }

  /** A JSON string literal as Python's json.dumps(ensure_ascii=False) writes it. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
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
    return sb.append('"').toString();
  }
}
