package org.llmplatform.inference.sampling;

import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Chooses the tokens of one sequence: logits processors, then the sampler, with the request's own
 * RNG (so a seed gives the same output whatever else shares the batch).
 */
public final class TokenSelector {

  private final SamplingParams params;
  private final List<LogitsProcessor> processors;
  private final Sampler sampler;
  private final RandomGenerator rng;
  private final TokenHistory history;

  public TokenSelector(SamplingParams params, int[] promptIds) {
    this(params, promptIds, 0);
  }

  /**
   * The selector of sequence {@code seedOffset} of several sampled with the same params (choice i
   * of a request's n): its RNG starts from seed + i, so sequence 0 is the plain request's and each
   * is reproducible alone; without a seed each draws a random one.
   */
  public TokenSelector(SamplingParams params, int[] promptIds, int seedOffset) {
    this.params = params;
    this.processors = LogitsProcessor.of(params);
    this.sampler = Sampler.of(params);
    this.rng =
        params.seed() != null
            ? new SplittableRandom(params.seed() + seedOffset)
            : new SplittableRandom();
    this.history = new TokenHistory(promptIds);
  }

  /**
   * A token the sequence took without sampling (one a grammar forced): it counts for the penalties
   * like a sampled one.
   */
  public void append(int token) {
    history.add(token);
  }

  /** Picks the next token from the model's logits ([vocab], fp32; overwritten). */
  public TokenChoice next(float[] logits) {
    double lse = Double.NaN;
    List<TokenChoice.Alternative> top = List.of();
    if (params.logprobs() != null) {
      lse = LogSoftmax.logSumExp(logits);
      top = LogSoftmax.top(logits, lse, params.logprobs());
    }
    float[] raw = params.logprobs() != null ? logits.clone() : null;
    for (LogitsProcessor p : processors) {
      p.process(logits, history);
    }
    int token = sampler.sample(logits, rng);
    history.add(token);
    double logprob = raw != null ? raw[token] - lse : Double.NaN;
    return new TokenChoice(token, logprob, top);
  }
}
