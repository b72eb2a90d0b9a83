package org.llmplatform.inference.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * {@link FilteredSampler} orders only the candidates its filters can keep; checked against a naive
 * sampler that sorts the whole vocabulary, on random logits of a real vocabulary's size.
 */
class FilteredSamplerTest {

  /** The reference: every id sorted by logit, then top_k, top_p over that order, min_p. */
  record NaiveFilteredSampler(double temperature, int topK, double topP, double minP)
      implements Sampler {
    @Override
    public int sample(float[] logits, RandomGenerator rng) {
      Integer[] order = new Integer[logits.length];
      Arrays.setAll(order, i -> i);
      Arrays.sort(
          order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b);
      int keep = topK > 0 ? Math.min(topK, logits.length) : logits.length;
      double max = logits[order[0]] / temperature;
      double[] probs = new double[keep];
      double sum = 0;
      for (int i = 0; i < keep; i++) {
        probs[i] = Math.exp(logits[order[i]] / temperature - max);
        sum += probs[i];
      }
      if (topP < 1) {
        double mass = 0;
        for (int i = 0; i < keep; i++) {
          mass += probs[i] / sum;
          if (mass >= topP) {
            keep = i + 1;
            break;
          }
        }
      }
      if (minP > 0) {
        int cut = 1;
        while (cut < keep && probs[cut] >= minP * probs[0]) {
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

  static float[] randomLogits(SplittableRandom rng, int vocab, double scale) {
    float[] logits = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      // a few peaked tokens over a flat tail, with repeated values to exercise ties
      logits[i] = (float) Math.round(rng.nextGaussian() * scale * 8) / 8f;
    }
    for (int i = 0; i < 5; i++) {
      logits[rng.nextInt(vocab)] += (float) (scale * 4);
    }
    return logits;
  }

  @Test
  void drawsTheSameTokensAsSortingTheWholeVocabulary() {
    var rng = new SplittableRandom(7);
    double[][] settings = {
      {1.0, 40, 1, 0}, {0.7, 0, 0.9, 0}, {1.3, 0, 0.999, 0}, {1.0, 0, 1, 0.05},
      {1.0, 0, 1, 0.000001}, {0.8, 50, 0.95, 0.01}, {2.0, 0, 0.5, 0.2}, {1.0, 8192, 0.99, 0}
    };
    for (double[] s : settings) {
      var fast = new FilteredSampler(s[0], (int) s[1], s[2], s[3]);
      var naive = new NaiveFilteredSampler(s[0], (int) s[1], s[2], s[3]);
      for (int trial = 0; trial < 40; trial++) {
        float[] logits = randomLogits(rng, 8192, trial % 2 == 0 ? 1 : 4);
        long seed = rng.nextLong();
        int expected = naive.sample(logits.clone(), new SplittableRandom(seed));
        assertThat(fast.sample(logits.clone(), new SplittableRandom(seed)))
            .as("settings %s, trial %d", Arrays.toString(s), trial)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void selectSmallestMovesTheMSmallestKeysToTheFront() {
    var rng = new SplittableRandom(3);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + rng.nextInt(3000);
      long[] keys = rng.longs(n).distinct().toArray();
      int m = rng.nextInt(keys.length + 1);
      long[] sorted = keys.clone();
      Arrays.sort(sorted);
      FilteredSampler.selectSmallest(keys, m);
      long[] front = Arrays.copyOf(keys, m);
      Arrays.sort(front);
      assertThat(front).as("n %d, m %d", keys.length, m).isEqualTo(Arrays.copyOf(sorted, m));
    }
  }

  @Test
  void withoutFiltersEachTokenIsDrawnAtItsSoftmaxProbability() {
    float[] logits = randomLogits(new SplittableRandom(11), 300, 1);
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double[] p = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp(logits[i] - max);
      sum += p[i];
    }
    var sampler = new FilteredSampler(1, 0, 1, 0);
    var rng = new SplittableRandom(5);
    int draws = 200_000;
    double[] f = new double[logits.length];
    for (int i = 0; i < draws; i++) {
      f[sampler.sample(logits.clone(), rng)] += 1.0 / draws;
    }
    for (int i = 0; i < p.length; i++) {
      assertThat(Math.abs(f[i] - p[i] / sum)).as("id %d", i).isLessThan(0.006);
    }
  }
}
