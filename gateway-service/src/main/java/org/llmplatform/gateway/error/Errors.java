package org.llmplatform.gateway.error;

import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.time.Duration;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;

/** Turns any failure into the {@link ApiException} the client sees. */
public final class Errors {

  private Errors() {}

  public static ApiException toApi(Throwable error) {
    return switch (error) {
      case ApiException api -> api;
      case CallNotPermittedException open ->
          ApiException.unavailable(
              open.getCausingCircuitBreakerName(), "circuit breaker is open", null);
      case BulkheadFullException full ->
          ApiException.tooManyRequests(
              "overloaded", Duration.ofSeconds(1), "too many generations in flight; retry later");
      case DataBufferLimitException tooBig ->
          ApiException.tooLarge("request_too_large", null, "request body is too large");
      case WebExchangeBindException bind ->
          ApiException.invalidRequest(
              bind.getFieldError() == null ? null : bind.getFieldError().getField(),
              bind.getReason());
      case ServerWebInputException input -> invalidInput(input);
      case ResponseStatusException status -> fromStatus(status);
      default ->
          ApiException.internal("internal error: " + error.getClass().getSimpleName(), error);
    };
  }

  private static ApiException invalidInput(ServerWebInputException input) {
    Throwable cause = input;
    while (cause != null) {
      if (cause instanceof DataBufferLimitException) {
        return ApiException.tooLarge("request_too_large", null, "request body is too large");
      }
      if (cause instanceof IllegalArgumentException invalid && cause.getMessage() != null) {
        return ApiException.invalidRequest(paramOf(invalid.getMessage()), invalid.getMessage());
      }
      cause = cause.getCause();
    }
    String message =
        input.getCause() instanceof DecodingException decoding
            ? "malformed JSON: " + decoding.getMostSpecificCause().getMessage()
            : input.getReason();
    return ApiException.invalidRequest(null, message);
  }

  /** Validation messages of the request records start with the field name: "max_tokens must…". */
  private static String paramOf(String message) {
    int space = message.indexOf(' ');
    String first = space < 0 ? message : message.substring(0, space);
    return first.matches("[a-z_.\\[\\]0-9]+") ? first : null;
  }

  private static ApiException fromStatus(ResponseStatusException status) {
    HttpStatus code = HttpStatus.resolve(status.getStatusCode().value());
    if (code == HttpStatus.NOT_FOUND) {
      return ApiException.notFound("not_found", null, "no such endpoint");
    }
    if (code == HttpStatus.CONTENT_TOO_LARGE) {
      return ApiException.tooLarge("request_too_large", null, "request body is too large");
    }
    if (code != null && code.is4xxClientError()) {
      return ApiException.invalidRequest(
          null, status.getReason() == null ? code.getReasonPhrase() : status.getReason());
    }
    return ApiException.internal(String.valueOf(status.getReason()), status);
  }
}
