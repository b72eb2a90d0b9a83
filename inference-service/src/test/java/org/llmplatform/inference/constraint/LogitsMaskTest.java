package org.llmplatform.inference.constraint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The word-at-a-time mask against a token-by-token one on random masks and logits. */
class LogitsMaskTest {

  @Test
  void matchesTheNaiveMaskOnRandomInputs() {
    var random = new SplittableRandom(5);
    for (int round = 0; round < 500; round++) {
      int vocab = 1 + random.nextInt(300);
      long[] mask = new long[(vocab + 63) / 64];
      int density = random.nextInt(4); // none, sparse, half, all
      for (int t = 0; t < vocab; t++) {
        boolean on =
            switch (density) {
              case 0 -> false;
              case 1 -> random.nextInt(20) == 0;
              case 2 -> random.nextBoolean();
              default -> true;
            };
        if (on) {
          mask[t >>> 6] |= 1L << t;
        }
      }
      float[] logits = new float[vocab];
      for (int t = 0; t < vocab; t++) {
        logits[t] = (float) random.nextGaussian();
      }
      float[] naive = logits.clone();
      boolean any = false;
      for (int t = 0; t < vocab; t++) {
        if ((mask[t >>> 6] & (1L << t)) == 0) {
          naive[t] = Float.NEGATIVE_INFINITY;
        } else {
          any = true;
        }
      }
      assertThat(LogitsMask.apply(mask, logits)).isEqualTo(any);
      assertThat(logits).containsExactly(naive);
    }
  }

  @Test
  void allowedTokensAllAtMinusInfinityBecomeUniform() {
    long[] mask = {0b0110};
    float[] logits = {1f, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 3f};
    assertThat(LogitsMask.apply(mask, logits)).isTrue();
    assertThat(logits).containsExactly(Float.NEGATIVE_INFINITY, 0f, 0f, Float.NEGATIVE_INFINITY);
  }
}
