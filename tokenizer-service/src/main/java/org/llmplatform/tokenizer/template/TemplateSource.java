package org.llmplatform.tokenizer.template;

import java.util.regex.Pattern;

/**
 * Rewrites a Jinja2 chat template into the equivalent Jinjava source:
 *
 * <ul>
 *   <li>Jinja's {@code keep_trailing_newline=False}: one trailing newline of the source is dropped;
 *   <li>Jinja's {@code lstrip_blocks} ({@link LstripBlocks}): indentation before a block tag or a
 *       comment at the start of a line is removed;
 *   <li>the step slice {@code [::-1]}, which Jinjava's parser lacks, becomes {@code |reverse|list};
 *   <li>keyword arguments are parenthesised, {@code namespace(n=messages|length - 1)} becoming
 *       {@code namespace(n=(messages|length - 1))}: Jinjava binds {@code =} tighter than the
 *       operators in the value.
 * </ul>
 */
final class TemplateSource {

  private static final Pattern REVERSE_SLICE = Pattern.compile("\\[\\s*:\\s*:\\s*-1\\s*]");

  private TemplateSource() {}

  static String toJinjava(String template) {
    String source = template;
    if (source.endsWith("\r\n")) {
      source = source.substring(0, source.length() - 2);
    } else if (source.endsWith("\n") || source.endsWith("\r")) {
      source = source.substring(0, source.length() - 1);
    }
    source = LstripBlocks.apply(source);
    source = REVERSE_SLICE.matcher(source).replaceAll("|reverse|list");
    return parenthesiseKeywordArguments(source);
  }

  static String parenthesiseKeywordArguments(String source) {
    StringBuilder out = new StringBuilder(source.length() + 16);
    int i = 0;
    int n = source.length();
    while (i < n) {
      int open = nextCodeStart(source, i);
      if (open < 0) {
        out.append(source, i, n);
        break;
      }
      out.append(source, i, open + 2);
      String close = source.charAt(open + 1) == '{' ? "}}" : "%}";
      int end = codeEnd(source, open + 2, close);
      String code = source.substring(open + 2, end);
      boolean macro =
          code.stripLeading().replaceFirst("^[-+]", "").stripLeading().startsWith("macro");
      out.append(macro ? code : rewriteCode(code));
      i = end;
    }
    return out.toString();
  }

  private static int nextCodeStart(String source, int from) {
    int expression = source.indexOf("{{", from);
    int statement = source.indexOf("{%", from);
    if (expression < 0) {
      return statement;
    }
    return statement < 0 ? expression : Math.min(expression, statement);
  }

  /** The index of the closing delimiter, skipping string literals. */
  static int codeEnd(String source, int from, String close) {
    char quote = 0;
    for (int i = from; i < source.length(); i++) {
      char c = source.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (source.startsWith(close, i)) {
        return i;
      }
    }
    return source.length();
  }

  private static String rewriteCode(String code) {
    StringBuilder out = new StringBuilder(code.length() + 8);
    // for each open parenthesis: the depth at which a wrapped keyword value must be closed
    java.util.ArrayDeque<Boolean> wrapped = new java.util.ArrayDeque<>();
    char quote = 0;
    for (int i = 0; i < code.length(); i++) {
      char c = code.charAt(i);
      if (quote != 0) {
        out.append(c);
        if (c == '\\' && i + 1 < code.length()) {
          out.append(code.charAt(++i));
        } else if (c == quote) {
          quote = 0;
        }
        continue;
      }
      switch (c) {
        case '\'', '"' -> {
          quote = c;
          out.append(c);
        }
        case '(', '[', '{' -> {
          wrapped.push(false);
          out.append(c);
        }
        case ')', ']', '}' -> {
          closeValue(out, wrapped);
          if (!wrapped.isEmpty()) {
            wrapped.pop();
          }
          out.append(c);
        }
        case ',' -> {
          closeValue(out, wrapped);
          out.append(c);
        }
        case '=' -> {
          boolean comparison =
              i + 1 < code.length() && code.charAt(i + 1) == '='
                  || i > 0 && "=!<>".indexOf(code.charAt(i - 1)) >= 0;
          if (comparison || wrapped.isEmpty() || !afterIdentifier(code, i)) {
            out.append(c);
            if (comparison && i + 1 < code.length() && code.charAt(i + 1) == '=') {
              out.append(code.charAt(++i));
            }
          } else {
            out.append("=(");
            wrapped.pop();
            wrapped.push(true);
          }
        }
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private static void closeValue(StringBuilder out, java.util.ArrayDeque<Boolean> wrapped) {
    if (!wrapped.isEmpty() && wrapped.peek()) {
      out.append(')');
      wrapped.pop();
      wrapped.push(false);
    }
  }

  private static boolean afterIdentifier(String code, int equals) {
    int j = equals - 1;
    while (j >= 0 && code.charAt(j) == ' ') {
      j--;
    }
    return j >= 0 && (Character.isLetterOrDigit(code.charAt(j)) || code.charAt(j) == '_');
  }
}
