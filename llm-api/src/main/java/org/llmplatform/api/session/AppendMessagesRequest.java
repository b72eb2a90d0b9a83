package org.llmplatform.api.session;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * Body of {@code POST /v1/sessions/{id}/messages}.
 *
 * @param messages the messages to append, in order (1 to {@value #MAX_MESSAGES})
 * @param expectedSeq the last seq the caller saw (0 for an empty session); when given and stale the
 *     append is refused with 409 and nothing is written
 * @param idempotencyKey caller's key for this append (1 to 128 characters), scoped to the session;
 *     a retry with the same key and the same request writes nothing and answers the first attempt's
 *     seq; the same key with another request is refused (422 {@code idempotency_key_reused})
 * @param requestHash what identifies the request this append records (1 to 128 characters), for an
 *     appender whose retries may carry other messages than the first attempt (the gateway's chat
 *     turns: a retry generates another answer to the same request); when null, the messages (their
 *     roles, contents, names, tool calls and tool call ids) identify it
 */
public record AppendMessagesRequest(
    @JsonProperty("messages") List<NewMessage> messages,
    @JsonProperty("expected_seq") Long expectedSeq,
    @JsonProperty("idempotency_key") String idempotencyKey,
    @JsonProperty("request_hash") String requestHash) {

  /** Most messages one append may carry. */
  public static final int MAX_MESSAGES = 1000;

  /** Longest idempotency key, in characters. */
  public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 128;

  public AppendMessagesRequest(List<NewMessage> messages, Long expectedSeq, String idempotencyKey) {
    this(messages, expectedSeq, idempotencyKey, null);
  }

  public AppendMessagesRequest {
    if (messages == null || messages.isEmpty()) {
      throw new InvalidFieldException("messages", "messages must hold at least one message");
    }
    if (messages.size() > MAX_MESSAGES) {
      throw new InvalidFieldException(
          "messages", "messages holds more than " + MAX_MESSAGES + " messages");
    }
    for (int i = 0; i < messages.size(); i++) {
      if (messages.get(i) == null) {
        throw new InvalidFieldException(
            "messages[" + i + "]", "messages[" + i + "] must be an object");
      }
    }
    messages = List.copyOf(messages);
    if (expectedSeq != null && expectedSeq < 0) {
      throw new InvalidFieldException("expected_seq", "expected_seq must not be negative");
    }
    if (idempotencyKey != null
        && (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH)) {
      throw new InvalidFieldException(
          "idempotency_key",
          "idempotency_key must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
    }
    if (requestHash != null
        && (requestHash.isEmpty() || requestHash.length() > MAX_IDEMPOTENCY_KEY_LENGTH)) {
      throw new InvalidFieldException(
          "request_hash",
          "request_hash must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
    }
  }
}
