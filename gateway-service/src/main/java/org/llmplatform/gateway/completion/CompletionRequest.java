package org.llmplatform.gateway.completion;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Map;
import org.llmplatform.gateway.error.ClientRequest;
import org.llmplatform.gateway.generation.ConstrainedOutput;
import org.llmplatform.gateway.generation.RequestChecks;
import org.llmplatform.gateway.generation.ResponseFormat;
import org.llmplatform.gateway.generation.SamplingParams;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * {@code POST /v1/completions}: plain prompts for base models. {@code prompt} is a string, an array
 * of strings, token ids or an array of token-id arrays ({@link CompletionPrompt}); {@code
 * max_tokens} defaults to 16 as in OpenAI's API; {@code best_of} only as {@code n} (the choices are
 * not ranked); {@code suffix} (fill in the middle) is not supported (400).
 */
@JsonIgnoreProperties({
  "store",
  "metadata",
  "service_tier",
  "prompt_cache_key",
  "safety_identifier"
})
record CompletionRequest(
    String model,
    @Schema(
            description =
                "a string, an array of strings, an array of token ids or an array of token-id"
                    + " arrays; each prompt gets n choices",
            oneOf = {String.class, String[].class, Integer[].class, Integer[][].class})
        @JsonDeserialize(using = CompletionPrompt.Reader.class)
        List<CompletionPrompt> prompt,
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
    @JsonProperty("best_of") Integer bestOf,
    String user,
    @JsonProperty("top_k") Integer topK,
    @JsonProperty("min_p") Double minP,
    @JsonProperty("repetition_penalty") Double repetitionPenalty,
    @JsonProperty("num_beams") Integer numBeams,
    @JsonProperty("response_format") ResponseFormat responseFormat,
    @JsonProperty("guided_regex") String guidedRegex,
    @JsonProperty("guided_choice") List<String> guidedChoice,
    @JsonProperty("ignore_eos") Boolean ignoreEos)
    implements ClientRequest {

  static final int DEFAULT_MAX_TOKENS = 16;

  record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage)
      implements ClientRequest {}

  CompletionRequest {
    if (prompt == null || prompt.isEmpty()) {
      throw new IllegalArgumentException("prompt is required");
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
    RequestChecks.ignoreEos(
        ignoreEos,
        ConstrainedOutput.of(responseFormat, guidedRegex, guidedChoice) != null); // 400 if misused
    if (logprobs != null && (logprobs < 0 || logprobs > 20)) {
      throw new IllegalArgumentException("logprobs must be between 0 and 20");
    }
    if (bestOf != null && !bestOf.equals(n == null ? 1 : n)) {
      throw new IllegalArgumentException(
          "best_of must equal n: choices are returned as generated, not ranked");
    }
    if (Boolean.TRUE.equals(echo) && logprobs != null) {
      throw new IllegalArgumentException(
          "echo cannot be combined with logprobs: the prompt's log-probabilities are not computed");
    }
  }

  int choices() {
    return n == null ? 1 : n;
  }

  boolean echoes() {
    return Boolean.TRUE.equals(echo);
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
        stop,
        ConstrainedOutput.of(responseFormat, guidedRegex, guidedChoice),
        ignoreEos);
  }
}
