package org.llmplatform.tokenizer.template;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja's {@code lstrip_blocks}, done on the source: the white space between the start of a line
 * and a block tag or comment ({@code {%}, {@code {#}) is removed; {@code {%+} keeps it (the {@code
 * +} is dropped, Jinjava does not know it). Jinjava's own {@code lstrip_blocks} strips the spaces
 * before a block tag anywhere on a line ({@code "{{ m.role }} {% endfor %}"} lost its space), so
 * the renderer turns it off. "The start of a line" is the template's start or a newline of the
 * text before the tag; tags inside {@code {% raw %}} are text.
 */
final class LstripBlocks {

  private static final Pattern RAW = Pattern.compile("\\{%[-+]?\\s*raw\\s*[-+]?%}");
  private static final Pattern END_RAW = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*[-+]?%}");

  private LstripBlocks() {}

  static String apply(String source) {
    StringBuilder out = new StringBuilder(source.length());
    int textStart = 0; // where the text before the next tag starts, in out
    int i = 0;
    while (i < source.length()) {
      int open = nextOpening(source, i);
      if (open < 0) {
        out.append(source, i, source.length());
        break;
      }
      out.append(source, i, open);
      char kind = source.charAt(open + 1);
      char modifier = open + 2 < source.length() ? source.charAt(open + 2) : 0;
      int end =
          switch (kind) {
            case '{' -> TemplateSource.codeEnd(source, open + 2, "}}") + 2;
            case '#' ->
                source.indexOf("#}", open + 2) < 0 ? -1 : source.indexOf("#}", open + 2) + 2;
            default -> TemplateSource.codeEnd(source, open + 2, "%}") + 2;
          };
      end = end < 0 ? source.length() : Math.min(end, source.length());
      if (kind != '{' && modifier != '-' && modifier != '+') {
        stripIndentation(out, textStart);
      }
      // {%+ keeps the indentation; Jinjava reads the tag without the +
      out.append(source, open, open + 2).append(source, open + (modifier == '+' ? 3 : 2), end);
      if (kind == '%' && RAW.matcher(source).region(open, end).matches()) {
        end = copyRawBody(source, end, out);
      }
      textStart = out.length();
      i = end;
    }
    return out.toString();
  }

  /** Copies a raw block's body and its {@code endraw} tag (indentation stripped); its end. */
  private static int copyRawBody(String source, int from, StringBuilder out) {
    Matcher endRaw = END_RAW.matcher(source);
    if (from >= source.length() || !endRaw.find(from)) {
      out.append(source, Math.min(from, source.length()), source.length());
      return source.length();
    }
    out.append(source, from, endRaw.start());
    if (endRaw.group(1).isEmpty()) {
      stripIndentation(out, out.length() - (endRaw.start() - from));
    }
    out.append(endRaw.group());
    return endRaw.end();
  }

  /** Removes the white space after the last newline of the text since {@code textStart}. */
  private static void stripIndentation(StringBuilder out, int textStart) {
    int lineStart = out.lastIndexOf("\n") + 1;
    if (lineStart <= textStart && textStart > 0) {
      return; // the tag follows other code on its line
    }
    int from = Math.max(lineStart, textStart);
    for (int j = from; j < out.length(); j++) {
      if (!PythonStringMethods.isSpace(out.charAt(j))) {
        return;
      }
    }
    out.setLength(from);
  }

  private static int nextOpening(String source, int from) {
    for (int j = source.indexOf('{', from); j >= 0; j = source.indexOf('{', j + 1)) {
      if (j + 1 < source.length() && "{%#".indexOf(source.charAt(j + 1)) >= 0) {
        return j;
      }
    }
    return -1;
  }
}
