package org.llmplatform.api.session;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Answer to an append.
 *
 * @param sessionId the session appended to
 * @param seq seq of the last message this append wrote (the session's new last seq)
 * @param replayed true when the idempotency key had been seen: nothing was written this time
 */
public record AppendMessagesResponse(
    @JsonProperty("session_id") String sessionId,
    @JsonProperty("seq") long seq,
    @JsonProperty("replayed") boolean replayed) {

  public AppendMessagesResponse {
    if (sessionId == null || seq < 1) {
      throw new IllegalArgumentException("session_id is required and seq is at least 1");
    }
  }
}
