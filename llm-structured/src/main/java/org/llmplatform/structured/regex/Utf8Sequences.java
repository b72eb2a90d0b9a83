package org.llmplatform.structured.regex;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a range of scalar values into sequences of byte ranges whose concatenations spell exactly
 * the UTF-8 encodings of the range (the construction of Russ Cox's RE2 and Rust's regex-syntax).
 */
final class Utf8Sequences {
  private Utf8Sequences() {}

  /** Each element: [lo0, hi0, lo1, hi1, ...] for a 1 to 4 byte sequence. */
  static List<int[]> of(CharSet set) {
    List<int[]> out = new ArrayList<>();
    int[] r = set.ranges();
    for (int i = 0; i < r.length; i += 2) {
      split(r[i], r[i + 1], out);
    }
    return out;
  }

  private static void split(int lo, int hi, List<int[]> out) {
    if (lo > hi) {
      return;
    }
    if (lo <= 0xD7FF && hi >= 0xD800) {
      split(lo, 0xD7FF, out);
      split(0xE000, hi, out);
      return;
    }
    if (lo >= 0xD800 && hi <= 0xDFFF) {
      return;
    }
    if (lo >= 0xD800 && lo <= 0xDFFF) {
      split(0xE000, hi, out);
      return;
    }
    int[] maxes = {0x7F, 0x7FF, 0xFFFF};
    for (int m : maxes) {
      if (lo <= m && hi > m) {
        split(lo, m, out);
        split(m + 1, hi, out);
        return;
      }
    }
    if (hi <= 0x7F) {
      out.add(new int[] {lo, hi});
      return;
    }
    int n = length(lo);
    for (int i = 1; i < n; i++) {
      int mask = (1 << (6 * i)) - 1;
      if ((lo & ~mask) != (hi & ~mask)) {
        if ((lo & mask) != 0) {
          split(lo, lo | mask, out);
          split((lo | mask) + 1, hi, out);
          return;
        }
        if ((hi & mask) != mask) {
          split(lo, (hi & ~mask) - 1, out);
          split(hi & ~mask, hi, out);
          return;
        }
      }
    }
    byte[] a = encode(lo);
    byte[] b = encode(hi);
    int[] seq = new int[n * 2];
    for (int k = 0; k < n; k++) {
      seq[k * 2] = a[k] & 0xFF;
      seq[k * 2 + 1] = b[k] & 0xFF;
    }
    out.add(seq);
  }

  private static int length(int c) {
    return c <= 0x7F ? 1 : c <= 0x7FF ? 2 : c <= 0xFFFF ? 3 : 4;
  }

  static byte[] encode(int c) {
    return new String(Character.toChars(c)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
