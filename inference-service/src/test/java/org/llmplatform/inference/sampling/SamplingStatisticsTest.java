package org.llmplatform.inference.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Sampling on fixed logits: empirical frequencies against the distribution each setting defines.
 */
class SamplingStatisticsTest {

  static final float[] LOGITS = {2.0f, 1.5f, 1.0f, 0.0f, -1.0f, -3.0f};
  static final int DRAWS = 60_000;

  static double[] frequencies(Sampler sampler) {
    var rng = new SplittableRandom(42);
    double[] f = new double[LOGITS.length];
    for (int i = 0; i < DRAWS; i++) {
      f[sampler.sample(LOGITS.clone(), rng)] += 1.0 / DRAWS;
    }
    return f;
  }

  static double[] softmax(float[] logits, double temperature, int keep) {
    double[] p = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp(logits[i] / temperature);
      sum += p[i];
    }
    for (int i = 0; i < keep; i++) {
      p[i] /= sum;
    }
    return p;
  }

  @Test
  void temperatureScalesTheSoftmax() {
    for (double t : new double[] {0.5, 1.0, 2.0}) {
      double[] f = frequencies(new FilteredSampler(t, 0, 1, 0));
      double[] p = softmax(LOGITS, t, LOGITS.length);
      for (int i = 0; i < p.length; i++) {
        assertThat(f[i]).as("T=%s id %d", t, i).isCloseTo(p[i], within(0.01));
      }
    }
  }

  @Test
  void topKKeepsTheKMostLikelyRenormalised() {
    double[] f = frequencies(new FilteredSampler(1, 3, 1, 0));
    double[] p = softmax(LOGITS, 1, 3);
    for (int i = 0; i < p.length; i++) {
      assertThat(f[i]).as("id %d", i).isCloseTo(p[i], within(0.01));
    }
    assertThat(f[3] + f[4] + f[5]).isZero();
  }

  @Test
  void topPKeepsTheSmallestNucleusReachingP() {
    double[] full = softmax(LOGITS, 1, LOGITS.length); // 0.43, 0.26, 0.16, 0.06, ...
    assertThat(full[0] + full[1]).isLessThan(0.8);
    assertThat(full[0] + full[1] + full[2]).isGreaterThan(0.8);
    double[] f = frequencies(new FilteredSampler(1, 0, 0.8, 0));
    double[] p = softmax(LOGITS, 1, 3);
    for (int i = 0; i < p.length; i++) {
      assertThat(f[i]).as("id %d", i).isCloseTo(p[i], within(0.01));
    }
  }

  @Test
  void minPDropsTokensBelowAFractionOfTheTopProbability() {
    // p_i / p_0 = exp(l_i - 2): 1, 0.61, 0.37, 0.14, 0.05, ...; min_p 0.3 keeps ids 0..2
    double[] f = frequencies(new FilteredSampler(1, 0, 1, 0.3));
    double[] p = softmax(LOGITS, 1, 3);
    for (int i = 0; i < p.length; i++) {
      assertThat(f[i]).as("id %d", i).isCloseTo(p[i], within(0.01));
    }
  }

  @Test
  void argmaxTakesTheLargestLogitLowestIdOnTies() {
    assertThat(Sampler.ARGMAX.sample(new float[] {1, 3, 3, 2}, new SplittableRandom(1)))
        .isEqualTo(1);
  }

  @Test
  void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
    var history = new TokenHistory(new int[] {0, 4});
    float[] logits = LOGITS.clone();
    new LogitsProcessor.RepetitionPenalty(2).process(logits, history);
    assertThat(logits).containsExactly(1.0f, 1.5f, 1.0f, 0.0f, -2.0f, -3.0f);
  }

  @Test
  void presenceAndFrequencyPenaltiesCountOutputTokensOnly() {
    var history = new TokenHistory(new int[] {2});
    history.add(1);
    history.add(1);
    history.add(3);
    float[] logits = LOGITS.clone();
    new LogitsProcessor.PresenceFrequencyPenalty(0.5, 0.25).process(logits, history);
    assertThat(logits[1]).isEqualTo(1.5f - 0.5f - 0.5f);
    assertThat(logits[3]).isEqualTo(0.0f - 0.5f - 0.25f);
    assertThat(logits[2]).isEqualTo(1.0f);
  }

  @Test
  void penaltiesShiftTheSampledDistribution() {
    // with a frequency penalty the sampled frequencies follow the softmax of the penalised logits
    var params =
        new SamplingParams(
            1, 0, 1, 0, 1, 0, 1.0, Map.of(5, 4.0), 7L, Set.of(), 10, null, 1, 1, false);
    var history = new TokenHistory(new int[0]);
    history.add(0);
    history.add(0);
    float[] expected = LOGITS.clone();
    for (LogitsProcessor p : LogitsProcessor.of(params)) {
      p.process(expected, history);
    }
    assertThat(expected[0]).isEqualTo(0.0f);
    assertThat(expected[5]).isEqualTo(1.0f);
    double[] p = softmax(expected, 1, expected.length);
    var rng = new SplittableRandom(3);
    double[] f = new double[LOGITS.length];
    for (int i = 0; i < DRAWS; i++) {
      float[] l = LOGITS.clone();
      LogitsProcessor.of(params).forEach(proc -> proc.process(l, history));
      f[Sampler.of(params).sample(l, rng)] += 1.0 / DRAWS;
    }
    for (int i = 0; i < p.length; i++) {
      assertThat(f[i]).as("id %d", i).isCloseTo(p[i], within(0.01));
    }
  }

  @Test
  void theSameSeedGivesTheSameTokensAndAnotherSeedOthers() {
    int[] a = draw(11L);
    assertThat(draw(11L)).containsExactly(a);
    assertThat(draw(12L)).isNotEqualTo(a);
  }

  private static int[] draw(long seed) {
    var params =
        new SamplingParams(1.5, 0, 1, 0, 1, 0, 0, Map.of(), seed, Set.of(), 50, 2, 1, 1, false);
    var selector = new TokenSelector(params, new int[] {1});
    int[] out = new int[50];
    for (int i = 0; i < out.length; i++) {
      out[i] = selector.next(LOGITS.clone()).tokenId();
    }
    return out;
  }

  @Test
  void logprobsAreTheRawLogSoftmaxWithTopAlternatives() {
    var params =
        new SamplingParams(0, 0, 1, 0, 1.3, 0, 0, Map.of(), null, Set.of(), 5, 3, 1, 1, false);
    TokenChoice c = new TokenSelector(params, new int[] {0}).next(LOGITS.clone());
    double lse =
        Math.log(
            java.util.stream.IntStream.range(0, LOGITS.length)
                .mapToDouble(i -> Math.exp(LOGITS[i]))
                .sum());
    // repetition penalty on id 0 (2.0 → 1.54) keeps it the argmax; the logprob is the unpenalised
    // one
    assertThat(c.tokenId()).isEqualTo(0);
    assertThat(c.logprob()).isCloseTo(2.0 - lse, within(1e-6));
    assertThat(c.top()).extracting(TokenChoice.Alternative::tokenId).containsExactly(0, 1, 2);
    assertThat(c.top().get(1).logprob()).isCloseTo(1.5 - lse, within(1e-6));
  }

  @Test
  void logprobsZeroGivesTheChosenTokensLogprobAndNoAlternatives() {
    var params =
        new SamplingParams(0, 0, 1, 0, 1, 0, 0, Map.of(), null, Set.of(), 5, 0, 1, 1, false);
    TokenChoice c = new TokenSelector(params, new int[] {0}).next(LOGITS.clone());
    assertThat(c.tokenId()).isEqualTo(0);
    assertThat(c.logprob()).isLessThan(0.0);
    assertThat(c.top()).isEmpty();
  }

  @Test
  void outOfRangeParametersNameTheirField() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new SamplingParams(
                    0, 0, 1.5, 0, 1, 0, 0, Map.of(), null, Set.of(), 5, null, 1, 1, false))
        .isInstanceOfSatisfying(
            InvalidParameterException.class, e -> assertThat(e.param()).isEqualTo("top_p"));
  }
}
