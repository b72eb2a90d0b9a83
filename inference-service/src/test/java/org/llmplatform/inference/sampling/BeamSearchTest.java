package org.llmplatform.inference.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Beam search against exhaustive enumeration on a toy model small enough to enumerate. */
class BeamSearchTest {

  static final int VOCAB = 4;
  static final int EOS = 3;
  static final int MAX_NEW = 4;

  /** A deterministic toy language model: logits as a pseudo-random function of the prefix. */
  static float[] toyLogits(int[] prefix, long salt) {
    var rng = new SplittableRandom(Arrays.hashCode(prefix) * 31L + salt);
    float[] l = new float[VOCAB];
    for (int i = 0; i < VOCAB; i++) {
      l[i] = (float) (rng.nextGaussian() * 2);
    }
    return l;
  }

  static double logprob(int[] prefix, int token, long salt) {
    float[] l = toyLogits(prefix, salt);
    return l[token] - LogSoftmax.logSumExp(l);
  }

  record Scored(int[] tokens, double score) {}

  static void enumerate(
      int[] prefix, double sum, long salt, double lengthPenalty, List<Scored> out) {
    for (int t = 0; t < VOCAB; t++) {
      int[] next = Arrays.copyOf(prefix, prefix.length + 1);
      next[prefix.length] = t;
      double s = sum + logprob(prefix, t, salt);
      if (t == EOS || next.length == MAX_NEW) {
        out.add(new Scored(next, s / Math.pow(next.length, lengthPenalty)));
      } else {
        enumerate(next, s, salt, lengthPenalty, out);
      }
    }
  }

  static BeamSearch.Hypothesis beamSearch(
      int beams, double lengthPenalty, boolean early, long salt) {
    var search = new BeamSearch(beams, lengthPenalty, early, Set.of(EOS), MAX_NEW);
    while (!search.done()) {
      float[][] rows =
          search.alive().stream().map(b -> toyLogits(b.tokens(), salt)).toArray(float[][]::new);
      search.step(rows);
    }
    return search.best();
  }

  @ParameterizedTest
  @CsvSource({"1, 0.0", "2, 1.0", "3, 0.5", "4, 2.0", "5, -0.5", "6, 1.0", "7, 0.0", "8, 1.0"})
  void wideBeamEqualsExhaustiveSearch(long salt, double lengthPenalty) {
    List<Scored> all = new ArrayList<>();
    enumerate(new int[0], 0, salt, lengthPenalty, all);
    Scored best = all.stream().max((a, b) -> Double.compare(a.score(), b.score())).orElseThrow();
    // 3 non-eos tokens over 3 steps: at most 27 alive prefixes, so 32 beams keep every prefix
    BeamSearch.Hypothesis found = beamSearch(32, lengthPenalty, false, salt);
    assertThat(found.tokens()).containsExactly(best.tokens());
    assertThat(found.score()).isCloseTo(best.score(), within(1e-9));
  }

  @ParameterizedTest
  @CsvSource({"1", "2", "3", "4", "5"})
  void narrowBeamNeverBeatsExhaustiveAndOneBeamIsGreedy(long salt) {
    List<Scored> all = new ArrayList<>();
    enumerate(new int[0], 0, salt, 1.0, all);
    double best = all.stream().mapToDouble(Scored::score).max().orElseThrow();
    assertThat(beamSearch(2, 1.0, true, salt).score()).isLessThanOrEqualTo(best + 1e-12);

    int[] greedy = new int[0];
    while (greedy.length < MAX_NEW && (greedy.length == 0 || greedy[greedy.length - 1] != EOS)) {
      int next = Sampler.ARGMAX.sample(toyLogits(greedy, salt), null);
      greedy = Arrays.copyOf(greedy, greedy.length + 1);
      greedy[greedy.length - 1] = next;
    }
    assertThat(beamSearch(1, 1.0, true, salt).tokens()).containsExactly(greedy);
  }
}
