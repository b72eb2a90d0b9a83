package org.llmplatform.gateway.chat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.llmplatform.gateway.generation.GenerationEvent.TokenLogprob;
import org.llmplatform.gateway.message.ToolCall;

/** The chat API's response objects, in OpenAI's format. */
final class ChatResponses {

  private ChatResponses() {}

  /** {@code object: "chat.completion"}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ChatCompletion(
      String id,
      String object,
      long created,
      String model,
      List<Choice> choices,
      Usage usage,
      @JsonProperty("session_id") String sessionId) {}

  @JsonInclude(JsonInclude.Include.ALWAYS)
  record Choice(
      int index,
      Message message,
      Logprobs logprobs,
      @JsonProperty("finish_reason") String finishReason) {}

  /**
   * @param content the text; null when the message only calls tools (as OpenAI answers)
   * @param toolCalls the calls, or null
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Message(
      String role,
      @JsonInclude(JsonInclude.Include.ALWAYS) String content,
      @JsonProperty("tool_calls") List<ToolCall> toolCalls) {

    static Message of(String content, List<ToolCall> calls) {
      return calls.isEmpty()
          ? new Message("assistant", content, null)
          : new Message("assistant", content.isEmpty() ? null : content, calls);
    }
  }

  /** {@code object: "chat.completion.chunk"}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Chunk(
      String id,
      String object,
      long created,
      String model,
      List<ChunkChoice> choices,
      @JsonInclude(JsonInclude.Include.ALWAYS) Usage usage,
      @JsonProperty("session_id") String sessionId) {}

  @JsonInclude(JsonInclude.Include.ALWAYS)
  record ChunkChoice(
      int index,
      Delta delta,
      Logprobs logprobs,
      @JsonProperty("finish_reason") String finishReason) {}

  /**
   * @param toolCalls calls, each whole in one chunk (OpenAI's clients also take a call's arguments
   *     in pieces; one piece is valid)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Delta(
      String role, String content, @JsonProperty("tool_calls") List<DeltaToolCall> toolCalls) {
    Delta(String role, String content) {
      this(role, content, null);
    }
  }

  /**
   * @param index the call's place among the choice's calls
   */
  record DeltaToolCall(int index, String id, String type, ToolCall.Function function) {
    static DeltaToolCall of(int index, ToolCall call) {
      return new DeltaToolCall(index, call.id(), call.type(), call.function());
    }
  }

  record Usage(
      @JsonProperty("prompt_tokens") int promptTokens,
      @JsonProperty("completion_tokens") int completionTokens,
      @JsonProperty("total_tokens") int totalTokens) {
    static Usage of(int prompt, int completion) {
      return new Usage(prompt, completion, prompt + completion);
    }
  }

  record Logprobs(List<LogprobEntry> content) {
    static Logprobs of(List<TokenLogprob> tokens) {
      return new Logprobs(tokens.stream().map(LogprobEntry::of).toList());
    }
  }

  record LogprobEntry(
      String token,
      double logprob,
      List<Integer> bytes,
      @JsonProperty("top_logprobs") List<LogprobEntry> topLogprobs) {
    static LogprobEntry of(TokenLogprob t) {
      String text = t.text() == null ? "" : t.text();
      List<Integer> bytes = new java.util.ArrayList<>();
      for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
        bytes.add(b & 0xff);
      }
      return new LogprobEntry(
          text,
          t.logprob() == null ? 0 : t.logprob(),
          bytes,
          t.top().stream().map(LogprobEntry::of).toList());
    }
  }
}
