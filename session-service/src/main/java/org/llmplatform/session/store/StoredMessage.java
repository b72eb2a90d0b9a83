package org.llmplatform.session.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.ToolCall;

/**
 * A message as one element of the Redis list (its seq is its position, so it is not stored): {@code
 * {"role","content","token_count","ts"}}, plus {@code name}, {@code tool_calls} and {@code
 * tool_call_id} only when the message has them, so a message without them is stored as before.
 *
 * @param role who said it
 * @param content the text (null only on an assistant message with tool calls)
 * @param name the author's name, or null
 * @param toolCalls the tools an assistant message calls; null or empty when none
 * @param toolCallId the call a tool message answers, or null
 * @param tokenCount tokens when given, else null
 * @param timestamp when it was appended, epoch ms
 */
record StoredMessage(
    @JsonProperty("role") String role,
    @JsonProperty("content") String content,
    @JsonProperty("name") @JsonInclude(JsonInclude.Include.NON_NULL) String name,
    @JsonProperty("tool_calls") @JsonInclude(JsonInclude.Include.NON_EMPTY)
        List<ToolCall> toolCalls,
    @JsonProperty("tool_call_id") @JsonInclude(JsonInclude.Include.NON_NULL) String toolCallId,
    @JsonProperty("token_count") Integer tokenCount,
    @JsonProperty("ts") long timestamp) {

  static StoredMessage of(NewMessage message, long timestamp) {
    return new StoredMessage(
        message.role(),
        message.content(),
        message.name(),
        message.toolCalls(),
        message.toolCallId(),
        message.tokenCount(),
        timestamp);
  }

  Message at(long seq) {
    return new Message(
        seq,
        role,
        content,
        name,
        toolCalls,
        toolCallId,
        tokenCount,
        Instant.ofEpochMilli(timestamp));
  }
}
