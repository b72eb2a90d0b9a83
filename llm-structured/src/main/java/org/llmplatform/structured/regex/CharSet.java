package org.llmplatform.structured.regex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** An immutable set of Unicode scalar values, as sorted disjoint inclusive ranges. */
public record CharSet(int[] ranges) {
  public static final int MAX = 0x10FFFF;
  public static final CharSet EMPTY = new CharSet(new int[0]);

  /** Every scalar value (no surrogates). */
  public static final CharSet ANY = of(0, 0xD7FF).union(of(0xE000, MAX));

  public static CharSet of(int lo, int hi) {
    return new CharSet(new int[] {lo, hi});
  }

  public static CharSet single(int c) {
    return of(c, c);
  }

  public static CharSet ofChars(String chars) {
    CharSet s = EMPTY;
    for (int i = 0; i < chars.length(); i++) {
      s = s.union(single(chars.charAt(i)));
    }
    return s;
  }

  public boolean isEmpty() {
    return ranges.length == 0;
  }

  public boolean contains(int c) {
    for (int i = 0; i < ranges.length; i += 2) {
      if (c >= ranges[i] && c <= ranges[i + 1]) {
        return true;
      }
    }
    return false;
  }

  public CharSet union(CharSet other) {
    List<int[]> all = new ArrayList<>();
    for (int i = 0; i < ranges.length; i += 2) {
      all.add(new int[] {ranges[i], ranges[i + 1]});
    }
    for (int i = 0; i < other.ranges.length; i += 2) {
      all.add(new int[] {other.ranges[i], other.ranges[i + 1]});
    }
    all.sort((a, b) -> Integer.compare(a[0], b[0]));
    int[] out = new int[all.size() * 2];
    int n = 0;
    for (int[] r : all) {
      if (n > 0 && r[0] <= out[n - 1] + 1) {
        out[n - 1] = Math.max(out[n - 1], r[1]);
      } else {
        out[n++] = r[0];
        out[n++] = r[1];
      }
    }
    return new CharSet(Arrays.copyOf(out, n));
  }

  /** Every scalar value not in this set. */
  public CharSet complement() {
    int[] out = new int[ranges.length + 2];
    int n = 0;
    int from = 0;
    for (int i = 0; i < ranges.length; i += 2) {
      if (ranges[i] > from) {
        out[n++] = from;
        out[n++] = ranges[i] - 1;
      }
      from = ranges[i + 1] + 1;
    }
    if (from <= MAX) {
      out[n++] = from;
      out[n++] = MAX;
    }
    return new CharSet(Arrays.copyOf(out, n)).intersect(ANY);
  }

  public CharSet intersect(CharSet other) {
    int[] out = new int[ranges.length + other.ranges.length];
    int n = 0;
    int i = 0;
    int j = 0;
    while (i < ranges.length && j < other.ranges.length) {
      int lo = Math.max(ranges[i], other.ranges[j]);
      int hi = Math.min(ranges[i + 1], other.ranges[j + 1]);
      if (lo <= hi) {
        if (n + 2 > out.length) {
          out = Arrays.copyOf(out, out.length * 2 + 2);
        }
        out[n++] = lo;
        out[n++] = hi;
      }
      if (ranges[i + 1] < other.ranges[j + 1]) {
        i += 2;
      } else {
        j += 2;
      }
    }
    return new CharSet(Arrays.copyOf(out, n));
  }

  public CharSet minus(CharSet other) {
    return intersect(other.complement());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CharSet c && Arrays.equals(ranges, c.ranges);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ranges);
  }

  @Override
  public String toString() {
    return "CharSet" + Arrays.toString(ranges);
  }
}
