package org.llmplatform.inference.sampling;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Samples from softmax(logits / temperature) restricted by top_k, then top_p (nucleus), then min_p
 * (tokens below min_p × the top probability are dropped), renormalised.
 *
 * <p>Only the candidates a filter can keep are ordered: the most likely {@code m} are selected in
 * linear time and sorted, with {@code m} growing until the cut is known (top_k is the cut itself;
 * top_p needs the mass of the full vocabulary, min_p the top probability). Without any filter
 * nothing is sorted: the draw walks the vocabulary in id order, the same distribution.
 */
public record FilteredSampler(double temperature, int topK, double topP, double minP)
    implements Sampler {

  private static final int FIRST_CANDIDATES = 64;

  public FilteredSampler {
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature must be > 0");
    }
  }

  @Override
  public int sample(float[] logits, RandomGenerator rng) {
    int vocab = logits.length;
    float maxLogit = Float.NEGATIVE_INFINITY;
    for (float v : logits) {
      maxLogit = Math.max(maxLogit, v);
    }
    double max = maxLogit / temperature;
    if (topK <= 0 && topP >= 1 && minP <= 0) {
      return drawInIdOrder(logits, max, rng);
    }
    // candidate ids by logit, descending (ties: lower id first), as primitive sort keys
    long[] keys = new long[vocab];
    for (int i = 0; i < vocab; i++) {
      int bits = Float.floatToRawIntBits(logits[i]);
      bits ^= (bits >> 31) & 0x7fffffff; // signed-int order = float order
      keys[i] = ((long) ~bits << 32) | i;
    }
    double mass = 0; // of the whole vocabulary, for top_p without top_k
    if (topK <= 0 && topP < 1) {
      for (float v : logits) {
        mass += Math.exp(v / temperature - max);
      }
    }
    int m = topK > 0 ? Math.min(topK, vocab) : Math.min(FIRST_CANDIDATES, vocab);
    while (true) {
      selectSmallest(keys, m);
      Arrays.sort(keys, 0, m);
      double[] probs = new double[m];
      double sum = 0;
      for (int i = 0; i < m; i++) {
        probs[i] = Math.exp(logits[(int) keys[i]] / temperature - max);
        sum += probs[i];
      }
      int keep = m;
      boolean decided = topK > 0 || m == vocab;
      if (topP < 1) {
        double total = topK > 0 ? sum : mass;
        double cumulative = 0;
        boolean cut = false;
        for (int i = 0; i < m; i++) {
          cumulative += probs[i] / total;
          if (cumulative >= topP) {
            keep = i + 1;
            cut = true;
            break;
          }
        }
        decided |= cut;
      }
      if (minP > 0) {
        double threshold = minP * probs[0];
        int cut = 1;
        while (cut < keep && probs[cut] >= threshold) {
          cut++;
        }
        decided |= cut < m || probs[m - 1] < threshold;
        keep = cut;
      }
      if (decided) {
        return draw(keys, probs, keep, rng);
      }
      m = Math.min(vocab, m * 8);
    }
  }

  private static int draw(long[] keys, double[] probs, int keep, RandomGenerator rng) {
    double total = 0;
    for (int i = 0; i < keep; i++) {
      total += probs[i];
    }
    double u = rng.nextDouble() * total;
    for (int i = 0; i < keep; i++) {
      u -= probs[i];
      if (u < 0) {
        return (int) keys[i];
      }
    }
    return (int) keys[keep - 1];
  }

  private double[] drawWeights(float[] logits, double max) {
    double[] w = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      w[i] = Math.exp(logits[i] / temperature - max);
    }
    return w;
  }

  private int drawInIdOrder(float[] logits, double max, RandomGenerator rng) {
    double[] w = drawWeights(logits, max);
    double total = 0;
    for (double v : w) {
      total += v;
    }
    double u = rng.nextDouble() * total;
    int last = 0;
    for (int i = 0; i < w.length; i++) {
      if (w[i] > 0) {
        last = i;
        u -= w[i];
        if (u < 0) {
          return i;
        }
      }
    }
    return last;
  }

  /** Moves the {@code m} smallest keys (unique) into {@code keys[0, m)}, in any order. */
  static void selectSmallest(long[] keys, int m) {
    int lo = 0;
    int hi = keys.length - 1;
    while (m > 0 && m < keys.length && lo < hi) {
      long pivot = median(keys[lo], keys[(lo + hi) >>> 1], keys[hi]);
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (keys[i] < pivot) {
          i++;
        }
        while (keys[j] > pivot) {
          j--;
        }
        if (i <= j) {
          long t = keys[i];
          keys[i] = keys[j];
          keys[j] = t;
          i++;
          j--;
        }
      }
      // now keys[lo..j] <= pivot <= keys[i..hi]
      if (m - 1 <= j) {
        hi = j;
      } else if (m - 1 >= i) {
        lo = i;
      } else {
        return;
      }
    }
  }

  private static long median(long a, long b, long c) {
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
}
