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
    boolean any = false;
    boolean finite = false; // some allowed logit above -inf
    for (int base = 0; base < n; base += 64) {
      int width = Math.min(64, n - base);
      long valid = width == 64 ? -1L : (1L << width) - 1;
      long word = (base >>> 6 < mask.length ? mask[base >>> 6] : 0L) & valid;
      if (word == 0L) {
        Arrays.fill(logits, base, base + width, Float.NEGATIVE_INFINITY);
        continue;
      }
      any = true;
      for (long off = ~word & valid; off != 0; off &= off - 1) {
        logits[base + Long.numberOfTrailingZeros(off)] = Float.NEGATIVE_INFINITY;
      }
      for (long on = word; on != 0 && !finite; on &= on - 1) {
        finite = logits[base + Long.numberOfTrailingZeros(on)] > Float.NEGATIVE_INFINITY;
      }
    }
    if (any && !finite) {
      for (int base = 0; base < n && base >>> 6 < mask.length; base += 64) {
        for (long on = mask[base >>> 6]; on != 0; on &= on - 1) {
          int i = base + Long.numberOfTrailingZeros(on);
          if (i < n) {
            logits[i] = 0f;
          }
        }
      }
    }
    return any;
  }
}
