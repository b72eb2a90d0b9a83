package org.llmplatform.api.session;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * A stored message.
 *
 * @param seq its position in the conversation, from 1, without gaps
 * @param role who said it
 * @param content the text
 * @param tokenCount its length in tokens as the appender gave it, or null when unknown
 * @param timestamp when it was appended
 */
public record Message(
    @JsonProperty("seq") long seq,
    @JsonProperty("role") String role,
    @JsonProperty("content") String content,
    @JsonProperty("token_count") Integer tokenCount,
    @JsonProperty("timestamp") Instant timestamp) {

  public Message {
    if (seq < 1 || role == null || content == null || timestamp == null) {
      throw new IllegalArgumentException("seq ≥ 1, role, content and timestamp are required");
    }
  }
}
