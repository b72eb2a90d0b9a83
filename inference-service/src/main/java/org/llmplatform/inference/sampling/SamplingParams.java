package org.llmplatform.inference.sampling;

import java.util.Map;
import java.util.Set;

/**
 * How one request chooses tokens, defaults already applied.
 *
 * @param temperature 0 = greedy; so is anything below {@link #GREEDY_BELOW}, as in vLLM
 * @param topK 0 = off
 * @param topP 1 = off
 * @param minP 0 = off
 * @param repetitionPenalty 1 = off, in [0.01, 100]; divides positive / multiplies negative logits
 *     of tokens seen in prompt or output
 * @param presencePenalty subtracted once from logits of tokens present in the output
 * @param frequencyPenalty subtracted per occurrence in the output
 * @param logitBias token id → added to its logit
 * @param seed RNG seed, or null for a random one
 * @param stopTokenIds ids that end the sequence (eos included)
 * @param maxNewTokens new tokens at most
 * @param logprobs top alternatives to report per token (0–20), or null for no logprobs
 * @param numBeams 1 = sampling; more = beam search
 * @param lengthPenalty beam score = sum logprob / length^lengthPenalty, in [-10, 10]
 * @param earlyStopping beam search ends as soon as num_beams hypotheses have finished
 */
public record SamplingParams(
    double temperature,
    int topK,
    double topP,
    double minP,
    double repetitionPenalty,
    double presencePenalty,
    double frequencyPenalty,
    Map<Integer, Double> logitBias,
    Long seed,
    Set<Integer> stopTokenIds,
    int maxNewTokens,
    Integer logprobs,
    int numBeams,
    double lengthPenalty,
    boolean earlyStopping) {

  public static final int MAX_LOGPROBS = 20;

  /**
   * Temperatures below this sample greedily: the limit of softmax(logits / t) as t falls is the
   * argmax, and below about 1e-308 {@code logit / t} overflows a double, every weight became NaN
   * and the draw fell to one fixed token.
   */
  public static final double GREEDY_BELOW = 1e-5;

  public SamplingParams {
    check(temperature >= 0 && Double.isFinite(temperature), "temperature", "must be >= 0");
    check(topK >= 0, "top_k", "must be >= 0");
    check(topP > 0 && topP <= 1, "top_p", "must be in (0, 1]");
    check(minP >= 0 && minP <= 1, "min_p", "must be in [0, 1]");
    // a tiny penalty divides a logit into +Infinity, a huge one multiplies it into -Infinity
    check(
        repetitionPenalty >= 0.01 && repetitionPenalty <= 100,
        "repetition_penalty",
        "must be in [0.01, 100]");
    check(presencePenalty >= -2 && presencePenalty <= 2, "presence_penalty", "must be in [-2, 2]");
    check(
        frequencyPenalty >= -2 && frequencyPenalty <= 2, "frequency_penalty", "must be in [-2, 2]");
    check(maxNewTokens >= 1, "max_new_tokens", "must be >= 1");
    check(
        logprobs == null || (logprobs >= 0 && logprobs <= MAX_LOGPROBS),
        "logprobs",
        "must be in [0, 20]");
    check(numBeams >= 1 && numBeams <= 64, "num_beams", "must be in [1, 64]");
    // length^penalty overflows to Infinity (or falls to 0) for large |penalty|: every score ties
    check(lengthPenalty >= -10 && lengthPenalty <= 10, "length_penalty", "must be in [-10, 10]");
    logitBias = Map.copyOf(logitBias == null ? Map.of() : logitBias);
    for (double b : logitBias.values()) {
      check(b >= -100 && b <= 100, "logit_bias", "values must be in [-100, 100]");
    }
    stopTokenIds = Set.copyOf(stopTokenIds == null ? Set.of() : stopTokenIds);
  }

  /** Greedy decoding of up to {@code maxNewTokens}, stopping at {@code stopIds}. */
  public static SamplingParams greedy(int maxNewTokens, Set<Integer> stopIds) {
    return new SamplingParams(
        0, 0, 1, 0, 1, 0, 0, Map.of(), null, stopIds, maxNewTokens, null, 1, 1, false);
  }

  public boolean isGreedy() {
    return temperature < GREEDY_BELOW;
  }

  private static void check(boolean ok, String param, String message) {
    if (!ok) {
      throw new InvalidParameterException(param, param + " " + message);
    }
  }
}
