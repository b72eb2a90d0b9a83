package org.llmplatform.gateway.generation;

import java.util.List;
import java.util.Map;

/**
 * What the client asked of the sampler, in the gateway's terms (null: the model's default).
 *
 * @param maxTokens most tokens to generate (null: what the context leaves)
 * @param logprobs number of top alternatives to return per token (0: just the token's), null: none
 * @param stop strings that end the generation when they appear in the text (not returned)
 * @param output what the output must match (null: free text)
 * @param ignoreEos true: the model's end-of-sequence tokens do not end the answer (vLLM's {@code
 *     ignore_eos}; only stop strings and the token limit do), null or false: they do
 */
public record SamplingParams(
    Integer maxTokens,
    Double temperature,
    Double topP,
    Integer topK,
    Double minP,
    Double repetitionPenalty,
    Double presencePenalty,
    Double frequencyPenalty,
    Map<String, Double> logitBias,
    Long seed,
    Integer logprobs,
    Integer numBeams,
    List<String> stop,
    ConstrainedOutput output,
    Boolean ignoreEos) {

  public SamplingParams {
    logitBias = logitBias == null ? null : Map.copyOf(logitBias);
    stop = stop == null ? List.of() : List.copyOf(stop);
  }

  /** The same parameters with {@code output} as what the output must match. */
  public SamplingParams withOutput(ConstrainedOutput output) {
    return new SamplingParams(
        maxTokens,
        temperature,
        topP,
        topK,
        minP,
        repetitionPenalty,
        presencePenalty,
        frequencyPenalty,
        logitBias,
        seed,
        logprobs,
        numBeams,
        stop,
        output,
        ignoreEos);
  }
}
