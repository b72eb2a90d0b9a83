package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * Body of {@code POST /v1/internal/generate}. Only {@code input_ids} is required; absent fields
 * take the model's generation_config.json defaults (else greedy, 256 new tokens). Ranges are
 * checked by the inference service, which knows the model. A null inside {@code input_ids}, {@code
 * stop_token_ids} or {@code logit_bias} fails the read, so the reader names its place.
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
 * @param n independent choices from the one prompt (default 1): the prompt is prefilled once, each
 *     choice's events carry its {@code index}; with {@code seed}, choice i samples with seed + i
 * @param constraint what the output must match (JSON Schema, any JSON object, a regex, a choice),
 *     enforced by masking the logits at each step; null = free text
 * @param ignoreEos true: the model's eos ids do not end the sequence (only {@code stopTokenIds} and
 *     {@code maxNewTokens} do), as vLLM's {@code ignore_eos}: fixed output lengths for benchmarks
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerateRequest(
    @JsonProperty("input_ids") @JsonSetter(contentNulls = Nulls.FAIL) List<Integer> inputIds,
    @JsonProperty("max_new_tokens") Integer maxNewTokens,
    @JsonProperty("temperature") Double temperature,
    @JsonProperty("top_k") Integer topK,
    @JsonProperty("top_p") Double topP,
    @JsonProperty("min_p") Double minP,
    @JsonProperty("repetition_penalty") Double repetitionPenalty,
    @JsonProperty("presence_penalty") Double presencePenalty,
    @JsonProperty("frequency_penalty") Double frequencyPenalty,
    @JsonProperty("logit_bias") @JsonSetter(contentNulls = Nulls.FAIL)
        Map<Integer, Double> logitBias,
    @JsonProperty("seed") Long seed,
    @JsonProperty("stop_token_ids") @JsonSetter(contentNulls = Nulls.FAIL)
        List<Integer> stopTokenIds,
    @JsonProperty("logprobs") Integer logprobs,
    @JsonProperty("num_beams") Integer numBeams,
    @JsonProperty("length_penalty") Double lengthPenalty,
    @JsonProperty("early_stopping") Boolean earlyStopping,
    @JsonProperty("stream") Boolean stream,
    @JsonProperty("n") Integer n,
    @JsonProperty("constraint") OutputConstraint constraint,
    @JsonProperty("ignore_eos") Boolean ignoreEos) {

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
    return builder(inputIds).build();
  }

  /** A request for {@code inputIds}; each field the builder is not given stays at its default. */
  public static Builder builder(List<Integer> inputIds) {
    return new Builder(inputIds);
  }

  /** Names each field it sets, so a caller never lines up seventeen positional arguments. */
  public static final class Builder {
    private final List<Integer> inputIds;
    private Integer maxNewTokens;
    private Double temperature;
    private Integer topK;
    private Double topP;
    private Double minP;
    private Double repetitionPenalty;
    private Double presencePenalty;
    private Double frequencyPenalty;
    private Map<Integer, Double> logitBias;
    private Long seed;
    private List<Integer> stopTokenIds;
    private Integer logprobs;
    private Integer numBeams;
    private Double lengthPenalty;
    private Boolean earlyStopping;
    private Boolean stream;
    private Integer n;
    private OutputConstraint constraint;
    private Boolean ignoreEos;

    private Builder(List<Integer> inputIds) {
      this.inputIds = inputIds;
    }

    public Builder maxNewTokens(Integer value) {
      maxNewTokens = value;
      return this;
    }

    public Builder temperature(Double value) {
      temperature = value;
      return this;
    }

    public Builder topK(Integer value) {
      topK = value;
      return this;
    }

    public Builder topP(Double value) {
      topP = value;
      return this;
    }

    public Builder minP(Double value) {
      minP = value;
      return this;
    }

    public Builder repetitionPenalty(Double value) {
      repetitionPenalty = value;
      return this;
    }

    public Builder presencePenalty(Double value) {
      presencePenalty = value;
      return this;
    }

    public Builder frequencyPenalty(Double value) {
      frequencyPenalty = value;
      return this;
    }

    public Builder logitBias(Map<Integer, Double> value) {
      logitBias = value;
      return this;
    }

    public Builder seed(Long value) {
      seed = value;
      return this;
    }

    public Builder stopTokenIds(List<Integer> value) {
      stopTokenIds = value;
      return this;
    }

    public Builder logprobs(Integer value) {
      logprobs = value;
      return this;
    }

    public Builder numBeams(Integer value) {
      numBeams = value;
      return this;
    }

    public Builder lengthPenalty(Double value) {
      lengthPenalty = value;
      return this;
    }

    public Builder earlyStopping(Boolean value) {
      earlyStopping = value;
      return this;
    }

    public Builder stream(Boolean value) {
      stream = value;
      return this;
    }

    public Builder n(Integer value) {
      n = value;
      return this;
    }

    public Builder constraint(OutputConstraint value) {
      constraint = value;
      return this;
    }

    public Builder ignoreEos(Boolean value) {
      ignoreEos = value;
      return this;
    }

    public GenerateRequest build() {
      return new GenerateRequest(
          inputIds,
          maxNewTokens,
          temperature,
          topK,
          topP,
          minP,
          repetitionPenalty,
          presencePenalty,
          frequencyPenalty,
          logitBias,
          seed,
          stopTokenIds,
          logprobs,
          numBeams,
          lengthPenalty,
          earlyStopping,
          stream,
          n,
          constraint,
          ignoreEos);
    }
  }

  /** The number of choices asked for (1 when absent). */
  public int choices() {
    return n == null ? 1 : n;
  }

  public boolean streaming() {
    return Boolean.TRUE.equals(stream);
  }
}
