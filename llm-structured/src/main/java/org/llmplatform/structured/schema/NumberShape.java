package org.llmplatform.structured.schema;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import org.llmplatform.structured.automaton.Dfa;
import tools.jackson.databind.JsonNode;

/**
 * Integers and numbers, with {@code minimum} / {@code maximum} and their exclusive forms (draft 4
 * booleans or later numbers). Numbers between bounds are written without an exponent; bounds on
 * numbers must be integers, and {@code multipleOf} only 1 — otherwise the keyword is refused.
 */
final class NumberShape {
  private NumberShape() {}

  /** The rule id, or -1 when no number satisfies the bounds. */
  static int rule(SchemaCompiler c, JsonNode s, boolean integer) {
    JsonNode multiple = s.get("multipleOf");
    if (multiple != null) {
      if (!multiple.isNumber() || multiple.decimalValue().compareTo(BigDecimal.ONE) != 0) {
        throw new UnsupportedSchemaException("multipleOf", "only multipleOf 1 is enforced");
      }
      integer = true;
    }
    Limit lo = limit(s, "minimum", "exclusiveMinimum");
    Limit hi = limit(s, "maximum", "exclusiveMaximum");
    if (lo == null && hi == null) {
      return integer
          ? Lexemes.integer(c.builder(), c.integersWithZeroFraction())
          : Lexemes.number(c.builder());
    }
    String regex;
    if (integer) {
      BigInteger l = lo == null ? null : ceilInclusive(lo);
      BigInteger h = hi == null ? null : floorInclusive(hi);
      regex =
          l != null && h != null && l.compareTo(h) > 0
              ? null
              : NumberRanges.integers(l, h, c.integersWithZeroFraction());
    } else {
      regex = NumberRanges.numbers(bound(lo, "minimum"), bound(hi, "maximum"));
    }
    if (regex == null) {
      return -1;
    }
    String r = regex;
    return c.builder().lexical("num:" + r, () -> Dfa.of(Lexemes.raw(r)));
  }

  private record Limit(BigDecimal value, boolean exclusive) {}

  private static Limit limit(JsonNode s, String inclusiveKey, String exclusiveKey) {
    JsonNode inc = s.get(inclusiveKey);
    JsonNode exc = s.get(exclusiveKey);
    Limit best = null;
    if (inc != null && inc.isNumber()) {
      boolean draft4Exclusive = exc != null && exc.isBoolean() && exc.asBoolean();
      best = new Limit(inc.decimalValue(), draft4Exclusive);
    }
    if (exc != null && exc.isNumber()) {
      Limit e = new Limit(exc.decimalValue(), true);
      boolean lower = inclusiveKey.equals("minimum");
      if (best == null) {
        best = e;
      } else {
        int cmp = e.value.compareTo(best.value);
        if (lower ? cmp >= 0 : cmp <= 0) {
          best = e;
        }
      }
    }
    return best;
  }

  private static BigInteger ceilInclusive(Limit lo) {
    BigDecimal v = lo.value;
    BigInteger c = v.setScale(0, RoundingMode.CEILING).toBigIntegerExact();
    if (lo.exclusive && v.compareTo(new BigDecimal(c)) == 0) {
      c = c.add(BigInteger.ONE);
    }
    return c;
  }

  private static BigInteger floorInclusive(Limit hi) {
    BigDecimal v = hi.value;
    BigInteger f = v.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
    if (hi.exclusive && v.compareTo(new BigDecimal(f)) == 0) {
      f = f.subtract(BigInteger.ONE);
    }
    return f;
  }

  private static NumberRanges.Bound bound(Limit l, String keyword) {
    if (l == null) {
      return NumberRanges.Bound.NONE;
    }
    BigDecimal v = l.value.stripTrailingZeros();
    if (v.scale() > 0) {
      throw new UnsupportedSchemaException(
          keyword, "non-integer bound " + l.value + " on a number");
    }
    return new NumberRanges.Bound(v.toBigIntegerExact(), !l.exclusive);
  }
}
