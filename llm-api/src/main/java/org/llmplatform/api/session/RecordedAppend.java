package org.llmplatform.api.session;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Answer to {@code GET /v1/sessions/{id}/appends/{idempotency_key}}: what an earlier append with
 * that key wrote, so that a retried request can answer what was stored instead of doing its work
 * again.
 *
 * @param sessionId the session
 * @param idempotencyKey the key the append carried
 * @param requestHash what identified the request (its {@code request_hash}, else the hash of its
 *     messages); null for an append recorded before hashes were kept
 * @param messages the messages it wrote, in seq order
 */
public record RecordedAppend(
    @JsonProperty("session_id") String sessionId,
    @JsonProperty("idempotency_key") String idempotencyKey,
    @JsonProperty("request_hash") String requestHash,
    @JsonProperty("messages") List<Message> messages) {

  public RecordedAppend {
    if (sessionId == null || idempotencyKey == null || messages == null) {
      throw new IllegalArgumentException("session_id, idempotency_key and messages are required");
    }
    messages = List.copyOf(messages);
  }
}
