package org.llmplatform.tokenizer.template;

import java.util.Map;

/**
 * Python's {@code json.dumps(value, ensure_ascii=False, indent=indent)}, the {@code tojson} of
 * transformers' chat template environment: {@code ", "} and {@code ": "} separators (or {@code ","}
 * with an indent), non-ASCII characters as they are, keys in insertion order.
 */
final class PythonJson {

  private PythonJson() {}

  static String dumps(Object value, Integer indent) {
    StringBuilder out = new StringBuilder();
    write(out, value, indent, 0);
    return out.toString();
  }

  private static void write(StringBuilder out, Object value, Integer indent, int depth) {
    switch (value) {
      case null -> out.append("null");
      case String s -> quote(out, s);
      case Boolean b -> out.append(b ? "true" : "false");
      case Double d -> out.append(pythonFloat(d));
      case Float f -> out.append(pythonFloat(f.doubleValue()));
      case Number n -> out.append(n);
      case Map<?, ?> map -> {
        if (map.isEmpty()) {
          out.append("{}");
          return;
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          separate(out, first, indent, depth + 1);
          first = false;
          quote(out, String.valueOf(entry.getKey()));
          out.append(": ");
          write(out, entry.getValue(), indent, depth + 1);
        }
        close(out, indent, depth);
        out.append('}');
      }
      case Iterable<?> items -> {
        if (!items.iterator().hasNext()) {
          out.append("[]");
          return;
        }
        out.append('[');
        boolean first = true;
        for (Object item : items) {
          separate(out, first, indent, depth + 1);
          first = false;
          write(out, item, indent, depth + 1);
        }
        close(out, indent, depth);
        out.append(']');
      }
      default -> quote(out, value.toString());
    }
  }

  private static void separate(StringBuilder out, boolean first, Integer indent, int depth) {
    if (!first) {
      out.append(indent == null ? ", " : ",");
    }
    if (indent != null) {
      out.append('\n').append(" ".repeat(indent * depth));
    }
  }

  private static void close(StringBuilder out, Integer indent, int depth) {
    if (indent != null) {
      out.append('\n').append(" ".repeat(indent * depth));
    }
  }

  private static String pythonFloat(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e16) {
      return String.format("%.1f", d);
    }
    return Double.toString(d).replace("E", "e");
  }

  private static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
