package org.llmplatform.gateway.chat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.llmplatform.gateway.generation.GenerationEvent.TokenLogprob;

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

  record Message(String role, String content) {}

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

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Delta(String role, String content) {}

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
