package org.llmplatform.inference.sampling;

import java.util.random.RandomGenerator;

/**
 * Picks the next token from processed logits, [vocab] fp32 (may reorder nothing, may be modified).
 */
public interface Sampler {

  int sample(float[] logits, RandomGenerator rng);

  /** The most likely token; ties go to the lowest id. */
  Sampler ARGMAX =
      (logits, rng) -> {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
          if (logits[i] > logits[best]) {
            best = i;
          }
        }
        return best;
      };

  /** A sampler for the params: argmax when greedy, else filtered sampling at the temperature. */
  static Sampler of(SamplingParams p) {
    if (p.isGreedy()) {
      return ARGMAX;
    }
    return new FilteredSampler(p.temperature(), p.topK(), p.topP(), p.minP());
  }
}
