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
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

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
      default -> ApiException.internal("internal error", error);
    };
  }

  private static ApiException invalidInput(ServerWebInputException input) {
    Throwable cause = input;
    while (cause != null) {
      if (cause instanceof ApiException api) {
        return api;
      }
      if (cause instanceof DataBufferLimitException) {
        return ApiException.tooLarge("request_too_large", null, "request body is too large");
      }
      if (cause instanceof IllegalArgumentException invalid && cause.getMessage() != null) {
        return ApiException.invalidRequest(paramOf(invalid.getMessage()), invalid.getMessage());
      }
      cause = cause.getCause();
    }
    for (cause = input; cause != null; cause = cause.getCause()) {
      if (cause instanceof DatabindException databind) {
        return wrongType(databind);
      }
      if (cause instanceof StreamReadException syntax) {
        var at = syntax.getLocation();
        return ApiException.invalidRequest(
            null,
            at == null
                ? "malformed JSON"
                : "malformed JSON at line " + at.getLineNr() + ", column " + at.getColumnNr());
      }
    }
    // Spring's own reason may name the controller method: not for the client
    return ApiException.invalidRequest(
        null,
        input.getCause() instanceof DecodingException
            ? "malformed JSON"
            : "the request body is missing or is not JSON");
  }

  /**
   * A value of the wrong JSON type, named by its path ({@code messages[0].content}) and the type
   * expected; Jackson's own message names Java classes.
   */
  private static ApiException wrongType(DatabindException e) {
    String param = path(e);
    if (e instanceof UnrecognizedPropertyException) {
      return ApiException.unsupportedParameter(param);
    }
    String expected =
        e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null
            ? expected(mismatch.getTargetType())
            : null;
    String what = param == null ? "a value" : param;
    return ApiException.invalidRequest(
        param, expected == null ? what + " is not valid" : what + " must be " + expected);
  }

  /** The JSON path of the failure, as the client wrote it: {@code messages[0].content}. */
  private static String path(DatabindException e) {
    var path = new StringBuilder();
    for (JacksonException.Reference reference : e.getPath()) {
      if (reference.getPropertyName() != null) {
        path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.isEmpty() ? null : path.toString();
  }

  private static String expected(Class<?> type) {
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "a boolean";
    }
    if (type == String.class) {
      return "a string";
    }
    if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "an array";
    }
    return type.isPrimitive() ? null : "an object";
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
