package org.llmplatform.gateway.chat;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.llmplatform.gateway.error.ClientRequest;
import org.llmplatform.gateway.generation.ConstrainedOutput;
import org.llmplatform.gateway.generation.RequestChecks;
import org.llmplatform.gateway.generation.ResponseFormat;
import org.llmplatform.gateway.generation.SamplingParams;
import org.llmplatform.gateway.message.ChatMessage;
import org.llmplatform.gateway.tools.Tool;
import org.llmplatform.gateway.tools.ToolUse;

/**
 * {@code POST /v1/chat/completions}: OpenAI's fields, vLLM's extensions ({@code top_k}, {@code
 * min_p}, {@code repetition_penalty}, {@code num_beams}, {@code ignore_eos}) and {@code
 * session_id}. Values out of range are refused here (400 naming the field); limits that depend on
 * configuration are checked by the handler.
 */
@JsonIgnoreProperties({
  "store",
  "metadata",
  "service_tier",
  "prompt_cache_key",
  "safety_identifier"
})
record ChatCompletionRequest(
    String model,
    List<ChatMessage> messages,
    Boolean stream,
    @JsonProperty("stream_options") StreamOptions streamOptions,
    Double temperature,
    @JsonProperty("top_p") Double topP,
    @JsonProperty("max_tokens") Integer maxTokens,
    @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> stop,
    Long seed,
    @JsonProperty("presence_penalty") Double presencePenalty,
    @JsonProperty("frequency_penalty") Double frequencyPenalty,
    @JsonProperty("logit_bias") Map<String, Double> logitBias,
    Boolean logprobs,
    @JsonProperty("top_logprobs") Integer topLogprobs,
    Integer n,
    String user,
    @JsonProperty("top_k") Integer topK,
    @JsonProperty("min_p") Double minP,
    @JsonProperty("repetition_penalty") Double repetitionPenalty,
    @JsonProperty("num_beams") Integer numBeams,
    @JsonProperty("session_id") String sessionId,
    @JsonProperty("response_format") ResponseFormat responseFormat,
    @JsonProperty("guided_regex") String guidedRegex,
    @JsonProperty("guided_choice") List<String> guidedChoice,
    List<Tool> tools,
    @JsonProperty("tool_choice") Object toolChoice,
    @JsonProperty("parallel_tool_calls") Boolean parallelToolCalls,
    @JsonProperty("ignore_eos") Boolean ignoreEos)
    implements ClientRequest {

  /**
   * @param includeUsage send a last chunk with the usage
   */
  record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage)
      implements ClientRequest {}

  ChatCompletionRequest {
    if (messages == null || messages.isEmpty()) {
      throw new IllegalArgumentException("messages must hold at least one message");
    }
    messages = List.copyOf(messages);
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
    RequestChecks.positive("max_completion_tokens", maxCompletionTokens);
    RequestChecks.stop(stop);
    ConstrainedOutput output = ConstrainedOutput.of(responseFormat, guidedRegex, guidedChoice);
    RequestChecks.ignoreEos(
        ignoreEos, output != null || ToolUse.of(tools, toolChoice, parallelToolCalls) != null);
    if (ToolUse.of(tools, toolChoice, parallelToolCalls) != null && output != null) {
      throw new IllegalArgumentException(
          "tools cannot be combined with response_format or guided_ fields: the answer is either"
              + " calls or the format");
    }
    if (topLogprobs != null && (topLogprobs < 0 || topLogprobs > 20)) {
      throw new IllegalArgumentException("top_logprobs must be between 0 and 20");
    }
    if (topLogprobs != null && !Boolean.TRUE.equals(logprobs)) {
      throw new IllegalArgumentException("top_logprobs needs logprobs: true");
    }
    if (sessionId != null && sessionId.isBlank()) {
      throw new IllegalArgumentException("session_id must not be blank");
    }
    if (sessionId != null && n != null && n > 1) {
      throw new IllegalArgumentException(
          "n must be 1 with session_id: a session keeps one answer per turn");
    }
  }

  /** The request's tools, null when it has none (or tool_choice none). */
  ToolUse toolUse() {
    return ToolUse.of(tools, toolChoice, parallelToolCalls);
  }

  /** {@code n}: the choices to answer with. */
  int choices() {
    return n == null ? 1 : n;
  }

  /** The name the client gave the token limit. */
  String completionLimitField() {
    return maxCompletionTokens != null ? "max_completion_tokens" : "max_tokens";
  }

  boolean streaming() {
    return Boolean.TRUE.equals(stream);
  }

  boolean includeUsage() {
    return streamOptions != null && Boolean.TRUE.equals(streamOptions.includeUsage());
  }

  /** {@code max_completion_tokens}, else {@code max_tokens}, else null. */
  Integer completionLimit() {
    return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
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
        Boolean.TRUE.equals(logprobs) ? (topLogprobs == null ? 0 : topLogprobs) : null,
        numBeams,
        stop,
        ConstrainedOutput.of(responseFormat, guidedRegex, guidedChoice),
        ignoreEos);
  }
}
