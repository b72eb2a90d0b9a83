package org.llmplatform.gateway.error;

import java.time.Duration;
import org.springframework.http.HttpStatus;

/**
 * A failure that the client sees as an OpenAI error: the HTTP status, the OpenAI {@code type} and
 * {@code code}, the request field at fault and, for 429, when to retry.
 */
public final class ApiException extends RuntimeException {

  private final HttpStatus status;
  private final String type;
  private final String code;
  private final String param;
  private final Duration retryAfter;
  private final SessionTurn sessionTurn;

  /**
   * Where a session turn stands when its append failed, and the key that retries it safely.
   *
   * @param state {@code not_stored} (the append was refused) or {@code unknown} (it timed out)
   */
  public record SessionTurn(String state, String idempotencyKey) {}

  private ApiException(
      HttpStatus status,
      String type,
      String code,
      String param,
      Duration retryAfter,
      String message,
      Throwable cause) {
    this(status, type, code, param, retryAfter, message, cause, null);
  }

  private ApiException(
      HttpStatus status,
      String type,
      String code,
      String param,
      Duration retryAfter,
      String message,
      Throwable cause,
      SessionTurn sessionTurn) {
    super(message, cause, false, false);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.retryAfter = retryAfter;
    this.sessionTurn = sessionTurn;
  }

  /** This failure, telling the client where its session turn stands. */
  public ApiException withSessionTurn(SessionTurn turn) {
    return new ApiException(status, type, code, param, retryAfter, getMessage(), getCause(), turn);
  }

  /** 400: the request is malformed or names a bad value; {@code param} names the field. */
  public static ApiException invalidRequest(String param, String message) {
    return new ApiException(
        HttpStatus.BAD_REQUEST,
        "invalid_request_error",
        "invalid_request",
        param,
        null,
        message,
        null);
  }

  /**
   * 422: well-formed, but it cannot be done (e.g. an idempotency key reused for another request).
   */
  public static ApiException unprocessable(String code, String param, String message) {
    return new ApiException(
        HttpStatus.UNPROCESSABLE_CONTENT,
        "invalid_request_error",
        code,
        param,
        null,
        message,
        null);
  }

  /** 400 with a specific {@code code}. */
  public static ApiException badRequest(String code, String param, String message) {
    return new ApiException(
        HttpStatus.BAD_REQUEST, "invalid_request_error", code, param, null, message, null);
  }

  /** 401: no key, or a key that is not configured. */
  public static ApiException unauthorized(String message) {
    return new ApiException(
        HttpStatus.UNAUTHORIZED,
        "invalid_request_error",
        "invalid_api_key",
        null,
        null,
        message,
        null);
  }

  /** 404: an unknown model, session or route. */
  public static ApiException notFound(String code, String param, String message) {
    return new ApiException(
        HttpStatus.NOT_FOUND, "invalid_request_error", code, param, null, message, null);
  }

  /** 409: the session moved on since it was read; the client retries the turn. */
  public static ApiException conflict(String message) {
    return new ApiException(
        HttpStatus.CONFLICT,
        "invalid_request_error",
        "session_conflict",
        "session_id",
        null,
        message,
        null);
  }

  /**
   * 400 {@code context_length_exceeded}: prompt + completion do not fit the model's context (what
   * OpenAI, vLLM and llama.cpp answer, and what SDK code catches to trim history).
   */
  public static ApiException contextLengthExceeded(
      String param, int contextLength, int promptTokens, int completionTokens) {
    return new ApiException(
        HttpStatus.BAD_REQUEST,
        "invalid_request_error",
        "context_length_exceeded",
        param,
        null,
        "This model's maximum context length is "
            + contextLength
            + " tokens; the request has "
            + (promptTokens + completionTokens)
            + " (prompt "
            + promptTokens
            + " + max_tokens "
            + completionTokens
            + ")",
        null);
  }

  /**
   * 400 {@code unsupported_parameter}: a request field the platform does not implement, refused
   * rather than silently ignored.
   */
  public static ApiException unsupportedParameter(String param) {
    return badRequest(
        "unsupported_parameter", param, "Unrecognized request argument supplied: " + param);
  }

  /** 413: the body does not fit. */
  public static ApiException tooLarge(String code, String param, String message) {
    return new ApiException(
        HttpStatus.CONTENT_TOO_LARGE, "invalid_request_error", code, param, null, message, null);
  }

  /** 429: rate limited ({@code rate_limit_exceeded}) or overloaded ({@code overloaded}). */
  public static ApiException tooManyRequests(String code, Duration retryAfter, String message) {
    return new ApiException(
        HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error", code, null, retryAfter, message, null);
  }

  /** 503: a downstream service is unavailable (down, failing, or its circuit breaker is open). */
  public static ApiException unavailable(String downstream, String message, Throwable cause) {
    return new ApiException(
        HttpStatus.SERVICE_UNAVAILABLE,
        "server_error",
        "service_unavailable",
        null,
        Duration.ofSeconds(1),
        downstream + " is unavailable: " + message,
        cause);
  }

  /** 504: a downstream service did not answer in time. */
  public static ApiException timeout(String downstream, String message) {
    return new ApiException(
        HttpStatus.GATEWAY_TIMEOUT,
        "server_error",
        "timeout",
        null,
        null,
        downstream + " timed out: " + message,
        null);
  }

  /** 500: a bug or an answer the gateway cannot understand. */
  public static ApiException internal(String message, Throwable cause) {
    return new ApiException(
        HttpStatus.INTERNAL_SERVER_ERROR,
        "server_error",
        "internal_error",
        null,
        null,
        message,
        cause);
  }

  public HttpStatus status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String code() {
    return code;
  }

  public String param() {
    return param;
  }

  /** When the client may retry (429, 503), else null. */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** The {@code Retry-After} header value in whole seconds (at least 1), or null. */
  public String retryAfterHeader() {
    return retryAfter == null
        ? null
        : Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000));
  }

  /** The body the client receives. */
  public OpenAiError body() {
    return new OpenAiError(
        new OpenAiError.Detail(
            getMessage(),
            type,
            param,
            code,
            sessionTurn == null ? null : sessionTurn.state(),
            sessionTurn == null ? null : sessionTurn.idempotencyKey()));
  }
}
