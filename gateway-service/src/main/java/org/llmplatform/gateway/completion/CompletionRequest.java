package org.llmplatform.gateway.completion;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.llmplatform.gateway.error.ClientRequest;
import org.llmplatform.gateway.generation.RequestChecks;
import org.llmplatform.gateway.generation.SamplingParams;

/**
 * {@code POST /v1/completions}: a plain prompt for base models. {@code prompt} is a string (or an
 * array holding one string); {@code max_tokens} defaults to 16 as in OpenAI's API.
 */
@JsonIgnoreProperties({
  "store",
  "metadata",
  "service_tier",
  "parallel_tool_calls",
  "prompt_cache_key",
  "safety_identifier"
})
record CompletionRequest(
    String model,
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> prompt,
    Boolean stream,
    @JsonProperty("stream_options") StreamOptions streamOptions,
    Double temperature,
    @JsonProperty("top_p") Double topP,
    @JsonProperty("max_tokens") Integer maxTokens,
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> stop,
    Long seed,
    @JsonProperty("presence_penalty") Double presencePenalty,
    @JsonProperty("frequency_penalty") Double frequencyPenalty,
    @JsonProperty("logit_bias") Map<String, Double> logitBias,
    Integer logprobs,
    Boolean echo,
    Integer n,
    String user,
    @JsonProperty("top_k") Integer topK,
    @JsonProperty("min_p") Double minP,
    @JsonProperty("repetition_penalty") Double repetitionPenalty,
    @JsonProperty("num_beams") Integer numBeams)
    implements ClientRequest {

  static final int DEFAULT_MAX_TOKENS = 16;

  record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage)
      implements ClientRequest {}

  CompletionRequest {
    if (prompt == null || prompt.size() != 1 || prompt.getFirst() == null) {
      throw new IllegalArgumentException("prompt must be one string");
    }
    prompt = List.copyOf(prompt);
    stop = stop == null ? List.of() : List.copyOf(stop);
    RequestChecks.sampling(
        temperature,
        topP,
        topK,
        minP,
        repetitionPenalty,
        presencePenalty,
        frequencyPenalty,
        logitBias,
        numBeams,
        n);
    RequestChecks.positive("max_tokens", maxTokens);
    RequestChecks.stop(stop);
    if (logprobs != null && (logprobs < 0 || logprobs > 20)) {
      throw new IllegalArgumentException("logprobs must be between 0 and 20");
    }
    if (Boolean.TRUE.equals(echo)) {
      throw new IllegalArgumentException("echo is not supported");
    }
  }

  String text() {
    return prompt.getFirst();
  }

  boolean streaming() {
    return Boolean.TRUE.equals(stream);
  }

  boolean includeUsage() {
    return streamOptions != null && Boolean.TRUE.equals(streamOptions.includeUsage());
  }

  int completionLimit() {
    return maxTokens == null ? DEFAULT_MAX_TOKENS : maxTokens;
  }

  SamplingParams sampling() {
    return new SamplingParams(
        completionLimit(),
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
        stop);
  }
}
