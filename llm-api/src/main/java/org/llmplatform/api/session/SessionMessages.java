package org.llmplatform.api.session;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Answer to {@code GET /v1/sessions/{id}/messages}: the conversation, or the part of it that fits
 * {@code max_tokens}.
 *
 * @param sessionId the session
 * @param systemPrompt the session's system prompt (always included), or null
 * @param messages the messages in seq order: all of them, or the longest suffix that fits (system
 *     messages are always kept)
 * @param lastSeq seq of the session's last message (0 when none); use it as {@code expected_seq}
 * @param totalTokens tokens of the system prompt and the messages returned (estimated where a count
 *     was not given)
 * @param truncated true when older messages were left out to fit {@code max_tokens}
 */
public record SessionMessages(
    @JsonProperty("session_id") String sessionId,
    @JsonProperty("system_prompt") String systemPrompt,
    @JsonProperty("messages") List<Message> messages,
    @JsonProperty("last_seq") long lastSeq,
    @JsonProperty("total_tokens") long totalTokens,
    @JsonProperty("truncated") boolean truncated) {

  public SessionMessages {
    if (sessionId == null || messages == null) {
      throw new IllegalArgumentException("session_id and messages are required");
    }
    messages = List.copyOf(messages);
  }
}
