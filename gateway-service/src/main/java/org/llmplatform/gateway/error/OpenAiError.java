package org.llmplatform.gateway.error;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The public error JSON in OpenAI's format: {@code {"error":{"message","type","param","code"}}}.
 *
 * @param error what went wrong
 */
public record OpenAiError(Detail error) {

  /**
   * @param message human-readable explanation
   * @param type OpenAI error type, e.g. {@code invalid_request_error}, {@code rate_limit_error}
   * @param param the request field at fault, or null
   * @param code machine-readable code, e.g. {@code model_not_found}
   * @param sessionTurn only when a session turn's append failed: whether the turn is in the session
   *     ({@code stored}, {@code not_stored} or {@code unknown})
   * @param idempotencyKey only with {@code session_turn}: the key to retry the turn with; a retry
   *     with it never stores the turn twice
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Detail(
      String message,
      String type,
      String param,
      String code,
      @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("session_turn") String sessionTurn,
      @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("idempotency_key")
          String idempotencyKey) {

    public Detail(String message, String type, String param, String code) {
      this(message, type, param, code, null, null);
    }
  }
}
