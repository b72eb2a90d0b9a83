package org.llmplatform.inference.constraint;

import java.util.Arrays;

/** Applies a grammar's token mask to one row of logits, before any other processing. */
final class LogitsMask {

  private LogitsMask() {}

  /**
   * Sets the logit of every token not in {@code mask} (bit t of word t / 64) to -inf. When every
   * allowed token's logit is -inf or NaN, the allowed ones get 0 (uniform among them), so that
   * greedy and sampling still pick an allowed token.
   *
   * @param logits [vocab] fp32, changed in place
   * @return false when the mask allows no token of the row at all
   */
  static boolean apply(long[] mask, float[] logits) {
    int n = logits.length;
    float best = Float.NEGATIVE_INFINITY;
    boolean any = false;
    for (int base = 0; base < n; base += 64) {
      int end = Math.min(n, base + 64);
      long word = base >>> 6 < mask.length ? mask[base >>> 6] : 0L;
      if (word == 0L) {
        Arrays.fill(logits, base, end, Float.NEGATIVE_INFINITY);
        continue;
      }
      for (int i = base; i < end; i++) {
        if ((word & (1L << i)) == 0) {
          logits[i] = Float.NEGATIVE_INFINITY;
        } else {
          any = true;
          best = Math.max(best, logits[i]);
        }
      }
    }
    if (any && !(best > Float.NEGATIVE_INFINITY)) {
      for (int i = 0; i < n; i++) {
        if ((mask[i >>> 6] & (1L << i)) != 0) {
          logits[i] = 0f;
        }
      }
    }
    return any;
  }
}
