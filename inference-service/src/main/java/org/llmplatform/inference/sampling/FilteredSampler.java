package org.llmplatform.inference.sampling;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Samples from softmax(logits / temperature) restricted by top_k, then top_p (nucleus), then min_p
 * (tokens below min_p × the top probability are dropped), renormalised.
 */
public record FilteredSampler(double temperature, int topK, double topP, double minP)
    implements Sampler {

  public FilteredSampler {
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature must be > 0");
    }
  }

  @Override
  public int sample(float[] logits, RandomGenerator rng) {
    int vocab = logits.length;
    // candidate ids sorted by logit, descending (ties: lower id first), as primitive sort keys
    long[] keys = new long[vocab];
    for (int i = 0; i < vocab; i++) {
      int bits = Float.floatToRawIntBits(logits[i]);
      bits ^= (bits >> 31) & 0x7fffffff; // signed-int order = float order
      keys[i] = ((long) ~bits << 32) | i;
    }
    Arrays.sort(keys);
    int[] order = new int[vocab];
    for (int i = 0; i < vocab; i++) {
      order[i] = (int) keys[i];
    }
    int keep = topK > 0 ? Math.min(topK, vocab) : vocab;
    double max = logits[order[0]] / temperature;
    double[] probs = new double[keep];
    double sum = 0;
    for (int i = 0; i < keep; i++) {
      probs[i] = Math.exp(logits[order[i]] / temperature - max);
      sum += probs[i];
    }
    if (topP < 1) {
      double mass = 0;
      int cut = keep;
      for (int i = 0; i < keep; i++) {
        mass += probs[i] / sum;
        if (mass >= topP) {
          cut = i + 1;
          break;
        }
      }
      keep = cut;
    }
    if (minP > 0) {
      double threshold = minP * probs[0];
      int cut = 1;
      while (cut < keep && probs[cut] >= threshold) {
        cut++;
      }
      keep = cut;
    }
    double total = 0;
    for (int i = 0; i < keep; i++) {
      total += probs[i];
    }
    double u = rng.nextDouble() * total;
    for (int i = 0; i < keep; i++) {
      u -= probs[i];
      if (u < 0) {
        return order[i];
      }
    }
    return order[keep - 1];
  }
}
