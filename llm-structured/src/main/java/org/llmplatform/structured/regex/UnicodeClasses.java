package org.llmplatform.structured.regex;

import java.util.function.IntPredicate;

/**
 * The Unicode-aware {@code \d}, {@code \w} and {@code \s} of Python's {@code re} (what the JSON
 * Schema validators behind MaskBench use), built once from {@link Character}.
 */
final class UnicodeClasses {
  private UnicodeClasses() {}

  static final CharSet DIGIT = scan(c -> Character.getType(c) == Character.DECIMAL_DIGIT_NUMBER);
  static final CharSet WORD =
      scan(
          c ->
              c == '_'
                  || Character.isLetterOrDigit(c)
                  || Character.getType(c) == Character.LETTER_NUMBER
                  || Character.getType(c) == Character.OTHER_NUMBER);
  static final CharSet SPACE =
      CharSet.ofChars("\t\n\u000b\f\r \u0085\u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff")
          .union(CharSet.of(0x1C, 0x1F))
          .union(CharSet.of(0x2000, 0x200A));

  private static CharSet scan(IntPredicate p) {
    int[] out = new int[4096];
    int n = 0;
    int start = -1;
    for (int c = 0; c <= CharSet.MAX + 1; c++) {
      boolean in = c <= CharSet.MAX && (c < 0xD800 || c > 0xDFFF) && p.test(c);
      if (in && start < 0) {
        start = c;
      } else if (!in && start >= 0) {
        if (n + 2 > out.length) {
          out = java.util.Arrays.copyOf(out, out.length * 2);
        }
        out[n++] = start;
        out[n++] = c - 1;
        start = -1;
      }
    }
    return new CharSet(java.util.Arrays.copyOf(out, n));
  }
}
