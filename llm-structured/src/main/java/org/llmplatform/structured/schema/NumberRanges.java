package org.llmplatform.structured.schema;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Regular expressions (over ASCII digits) for the decimal spellings of integers and numbers between
 * integer bounds: {@code minimum}, {@code maximum} and their exclusive forms.
 */
final class NumberRanges {
  private static final String FRAC_ANY = "(\\.[0-9]+)?";
  private static final String FRAC_ZERO = "(\\.0+)?";
  private static final String FRAC_NONZERO = "\\.[0-9]*[1-9][0-9]*";

  private NumberRanges() {}

  /** A bound: value, inclusive or not; null value for none. */
  record Bound(BigInteger value, boolean inclusive) {
    static final Bound NONE = new Bound(null, true);

    Bound negate() {
      return new Bound(value == null ? null : value.negate(), inclusive);
    }
  }

  /** Integers in [lo, hi] (inclusive, either null for unbounded); null when there are none. */
  static String integers(BigInteger lo, BigInteger hi, boolean zeroFraction) {
    String frac = zeroFraction ? FRAC_ZERO : "";
    List<String> options = new ArrayList<>();
    // non-negative part
    BigInteger nlo = lo == null || lo.signum() < 0 ? BigInteger.ZERO : lo;
    if (hi == null || hi.compareTo(nlo) >= 0) {
      options.add(digits(nlo, hi) + frac);
    }
    // negative part: -m with m in [max(1, -hi), -lo]
    BigInteger mlo = hi == null || hi.signum() >= 0 ? BigInteger.ONE : hi.negate();
    BigInteger mhi = lo == null ? null : lo.negate();
    if (mhi == null || mhi.compareTo(mlo) >= 0) {
      options.add("-" + digits(mlo, mhi) + frac);
    }
    if (inRange(BigInteger.ZERO, lo, hi)) {
      options.add("-0" + frac);
    }
    return options.isEmpty() ? null : "(" + String.join("|", options) + ")";
  }

  private static boolean inRange(BigInteger v, BigInteger lo, BigInteger hi) {
    return (lo == null || v.compareTo(lo) >= 0) && (hi == null || v.compareTo(hi) <= 0);
  }

  /** Numbers (no exponent) with lo &lt;(=) x &lt;(=) hi; null when there are none. */
  static String numbers(Bound lo, Bound hi) {
    List<String> options = new ArrayList<>();
    String pos = magnitudes(lo, hi);
    if (pos != null) {
      options.add(pos);
    }
    // negative numbers -m: lo <= -m <= hi  <=>  -hi <= m <= -lo
    String neg = magnitudes(hi.negate(), lo.negate());
    if (neg != null) {
      options.add("-" + neg);
    }
    return options.isEmpty() ? null : "(" + String.join("|", options) + ")";
  }

  /** Non-negative decimals m (I.F) with lo op m op hi; lo below zero means from zero. */
  private static String magnitudes(Bound lo, Bound hi) {
    Bound l = lo.value == null || lo.value.signum() < 0 ? new Bound(BigInteger.ZERO, true) : lo;
    List<String> options = new ArrayList<>();
    BigInteger lowI = l.inclusive ? l.value : l.value.add(BigInteger.ONE);
    BigInteger highI = hi.value == null ? null : hi.value.subtract(BigInteger.ONE);
    if (hi.value != null && hi.value.signum() < 0) {
      return null;
    }
    if (highI == null || highI.compareTo(lowI) >= 0) {
      options.add(digits(lowI, highI) + FRAC_ANY);
    }
    if (!l.inclusive && (hi.value == null || l.value.compareTo(hi.value) < 0)) {
      options.add(digits(l.value, l.value) + FRAC_NONZERO);
    }
    if (hi.value != null && hi.inclusive && hi.value.compareTo(lowI) >= 0) {
      options.add(digits(hi.value, hi.value) + FRAC_ZERO);
    }
    return options.isEmpty() ? null : "(" + String.join("|", options) + ")";
  }

  /** Canonical decimal integers in [lo, hi], lo &gt;= 0, hi null for unbounded. */
  static String digits(BigInteger lo, BigInteger hi) {
    List<String> options = new ArrayList<>();
    String a = lo.toString();
    if (hi == null) {
      options.add(sameLength(a, "9".repeat(a.length())));
      options.add("[1-9][0-9]{" + a.length() + ",}");
      return "(" + String.join("|", options) + ")";
    }
    String b = hi.toString();
    if (a.length() == b.length()) {
      return "(" + sameLength(a, b) + ")";
    }
    options.add(sameLength(a, "9".repeat(a.length())));
    for (int len = a.length() + 1; len < b.length(); len++) {
      options.add("[1-9][0-9]{" + (len - 1) + "}");
    }
    options.add(sameLength("1" + "0".repeat(b.length() - 1), b));
    return "(" + String.join("|", options) + ")";
  }

  /** Strings of digits of one length between a and b (a &lt;= b), without leading zeros. */
  private static String sameLength(String a, String b) {
    if (a.isEmpty()) {
      return "";
    }
    char x = a.charAt(0);
    char y = b.charAt(0);
    String restLo = a.substring(1);
    String restHi = b.substring(1);
    if (x == y) {
      return x + group(sameLength(restLo, restHi));
    }
    List<String> options = new ArrayList<>();
    options.add(x + group(sameLength(restLo, "9".repeat(restLo.length()))));
    if (y - x > 1) {
      options.add(charRange((char) (x + 1), (char) (y - 1)) + anyDigits(restLo.length()));
    }
    options.add(y + group(sameLength("0".repeat(restHi.length()), restHi)));
    return "(" + String.join("|", options) + ")";
  }

  private static String group(String s) {
    return s.isEmpty() ? "" : "(" + s + ")";
  }

  private static String charRange(char a, char b) {
    return a == b ? String.valueOf(a) : "[" + a + "-" + b + "]";
  }

  private static String anyDigits(int n) {
    return n == 0 ? "" : "[0-9]{" + n + "}";
  }
}
