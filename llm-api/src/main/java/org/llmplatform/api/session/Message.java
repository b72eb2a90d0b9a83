package org.llmplatform.api.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * A stored message: what was appended ({@link NewMessage}), with its seq and time. {@code name},
 * {@code tool_calls} and {@code tool_call_id} appear in the JSON only when the message has them.
 *
 * @param seq its position in the conversation, from 1, without gaps
 * @param role who said it
 * @param content the text; null only on an assistant message with tool calls that was appended
 *     without content
 * @param name the author's name, or null
 * @param toolCalls the tools an assistant message calls, in order; empty when none (never null)
 * @param toolCallId the call a {@code tool} message answers, or null
 * @param tokenCount its length in tokens as the appender gave it, or null when unknown
 * @param timestamp when it was appended
 */
public record Message(
    @JsonProperty("seq") long seq,
    @JsonProperty("role") String role,
    @JsonProperty("content") String content,
    @JsonProperty("name") @JsonInclude(JsonInclude.Include.NON_NULL) String name,
    @JsonProperty("tool_calls") @JsonInclude(JsonInclude.Include.NON_EMPTY)
        List<ToolCall> toolCalls,
    @JsonProperty("tool_call_id") @JsonInclude(JsonInclude.Include.NON_NULL) String toolCallId,
    @JsonProperty("token_count") Integer tokenCount,
    @JsonProperty("timestamp") Instant timestamp) {

  /** A message with a role and text only (no name, tool calls or tool call id). */
  public Message(long seq, String role, String content, Integer tokenCount, Instant timestamp) {
    this(seq, role, content, null, null, null, tokenCount, timestamp);
  }

  public Message {
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    if (seq < 1 || role == null || (content == null && toolCalls.isEmpty()) || timestamp == null) {
      throw new IllegalArgumentException(
          "seq ≥ 1, role, timestamp and content (or tool_calls) are required");
    }
  }

  /** {@code message} as stored at {@code seq}, appended at {@code timestamp}. */
  public static Message of(long seq, NewMessage message, Instant timestamp) {
    return new Message(
        seq,
        message.role(),
        message.content(),
        message.name(),
        message.toolCalls(),
        message.toolCallId(),
        message.tokenCount(),
        timestamp);
  }
}
