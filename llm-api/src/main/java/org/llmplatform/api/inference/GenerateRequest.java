package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Body of {@code POST /v1/internal/generate}. Only {@code input_ids} is required; absent fields
 * take the model's generation_config.json defaults (else greedy, 256 new tokens). Ranges are
 * checked by the inference service, which knows the model.
 *
 * @param inputIds prompt token ids
 * @param maxNewTokens new tokens at most
 * @param temperature 0 = greedy
 * @param topK 0 = off
 * @param topP (0, 1], 1 = off
 * @param minP [0, 1], 0 = off
 * @param repetitionPenalty > 0, 1 = off
 * @param presencePenalty [-2, 2]
 * @param frequencyPenalty [-2, 2]
 * @param logitBias token id → bias in [-100, 100]
 * @param seed RNG seed for reproducible sampling
 * @param stopTokenIds ids that end generation, in addition to the model's eos ids
 * @param logprobs number of top alternatives (0–20) to report with each token's logprob
 * @param numBeams beam search when > 1
 * @param lengthPenalty beam score exponent on the length
 * @param earlyStopping beam search stops once num_beams hypotheses finished
 * @param stream Server-Sent Events when true
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerateRequest(
    @JsonProperty("input_ids") List<Integer> inputIds,
    @JsonProperty("max_new_tokens") Integer maxNewTokens,
    @JsonProperty("temperature") Double temperature,
    @JsonProperty("top_k") Integer topK,
    @JsonProperty("top_p") Double topP,
    @JsonProperty("min_p") Double minP,
    @JsonProperty("repetition_penalty") Double repetitionPenalty,
    @JsonProperty("presence_penalty") Double presencePenalty,
    @JsonProperty("frequency_penalty") Double frequencyPenalty,
    @JsonProperty("logit_bias") Map<Integer, Double> logitBias,
    @JsonProperty("seed") Long seed,
    @JsonProperty("stop_token_ids") List<Integer> stopTokenIds,
    @JsonProperty("logprobs") Integer logprobs,
    @JsonProperty("num_beams") Integer numBeams,
    @JsonProperty("length_penalty") Double lengthPenalty,
    @JsonProperty("early_stopping") Boolean earlyStopping,
    @JsonProperty("stream") Boolean stream) {

  public GenerateRequest {
    if (inputIds == null || inputIds.isEmpty()) {
      throw new InvalidFieldException("input_ids", "input_ids is required and must not be empty");
    }
    if (inputIds.stream().anyMatch(Objects::isNull)) {
      throw new InvalidFieldException("input_ids", "input_ids must not contain null");
    }
    if (stopTokenIds != null && stopTokenIds.stream().anyMatch(Objects::isNull)) {
      throw new InvalidFieldException("stop_token_ids", "stop_token_ids must not contain null");
    }
    inputIds = List.copyOf(inputIds);
    stopTokenIds = stopTokenIds == null ? null : List.copyOf(stopTokenIds);
    logitBias = logitBias == null ? null : Map.copyOf(logitBias);
  }

  /** A request for {@code inputIds} with every other field at its default. */
  public static GenerateRequest of(List<Integer> inputIds) {
    return new GenerateRequest(
        inputIds, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null);
  }

  public boolean streaming() {
    return Boolean.TRUE.equals(stream);
  }
}
