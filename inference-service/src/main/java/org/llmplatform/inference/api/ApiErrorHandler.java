package org.llmplatform.inference.api;

import java.util.Locale;
import java.util.stream.Collectors;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.inference.InvalidFieldException;
import org.llmplatform.inference.sampling.InvalidParameterException;
import org.llmplatform.inference.scheduler.OverloadedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.resource.NoResourceFoundException;
import org.springframework.web.server.ContentTooLargeException;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import tools.jackson.core.JacksonException;

/**
 * Maps every failure of the internal API to the common error JSON, always as {@code
 * application/json} (also when the client accepts only {@code text/event-stream}, as the gateway
 * does: an error written as an event was a body it could not read). Messages are written here for
 * the client: none passes on a framework's text, which names Java types and controller methods.
 */
@RestControllerAdvice
class ApiErrorHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);

  @ExceptionHandler(InvalidParameterException.class)
  ResponseEntity<ErrorBody> invalidParameter(InvalidParameterException e) {
    return error(HttpStatus.BAD_REQUEST, "invalid_request", e.getMessage(), e.param());
  }

  @ExceptionHandler(InvalidFieldException.class)
  ResponseEntity<ErrorBody> invalidField(InvalidFieldException e) {
    return error(HttpStatus.BAD_REQUEST, "invalid_request", e.getMessage(), e.param());
  }

  @ExceptionHandler(OverloadedException.class)
  ResponseEntity<ErrorBody> overloaded(OverloadedException e) {
    return error(HttpStatus.TOO_MANY_REQUESTS, "overloaded", e.getMessage(), null);
  }

  /** Malformed JSON, a wrong type, or a record that refused its values. */
  @ExceptionHandler(ServerWebInputException.class)
  ResponseEntity<ErrorBody> badInput(ServerWebInputException e) {
    if (cause(e, InvalidFieldException.class) instanceof InvalidFieldException f) {
      return invalidField(f);
    }
    if (cause(e, InvalidParameterException.class) instanceof InvalidParameterException p) {
      return invalidParameter(p);
    }
    if (cause(e, JacksonException.class) instanceof JacksonException j) {
      BodyReadError body = BodyReadError.of(j);
      return error(HttpStatus.BAD_REQUEST, "invalid_request", body.message(), body.param());
    }
    return error(
        HttpStatus.BAD_REQUEST,
        "invalid_request",
        "the request body is missing or could not be read",
        null);
  }

  @ExceptionHandler(GenerationFailedException.class)
  ResponseEntity<ErrorBody> failed(GenerationFailedException e) {
    return error(HttpStatus.INTERNAL_SERVER_ERROR, "generation_failed", e.getMessage(), null);
  }

  /** Routing and content negotiation: a wrong path, method or media type. */
  @ExceptionHandler(ResponseStatusException.class)
  ResponseEntity<ErrorBody> status(ResponseStatusException e) {
    HttpStatusCode status = e.getStatusCode();
    String message =
        switch (e) {
          case UnsupportedMediaTypeStatusException m ->
              "content type "
                  + (m.getContentType() == null ? "(none)" : "'" + m.getContentType() + "'")
                  + " is not supported; send application/json";
          case MethodNotAllowedException m ->
              "method "
                  + m.getHttpMethod()
                  + " is not allowed here; use "
                  + m.getSupportedMethods().stream()
                      .map(Object::toString)
                      .sorted()
                      .collect(Collectors.joining(", "));
          case NoResourceFoundException n -> "no such endpoint";
          case ContentTooLargeException c -> "the request body is too large";
          case NotAcceptableStatusException n -> "none of the accepted media types can be produced";
          default -> {
            HttpStatus known = HttpStatus.resolve(status.value());
            yield known != null
                ? known.getReasonPhrase().toLowerCase(Locale.ROOT)
                : "error " + status.value();
          }
        };
    String code = status.is4xxClientError() ? "invalid_request" : "internal_error";
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .headers(e.getHeaders())
        .body(ErrorBody.of(code, message, null));
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ErrorBody> unexpected(Exception e) {
    log.error("Unexpected error", e);
    return error(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error", null);
  }

  private static Throwable cause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return t;
      }
    }
    return null;
  }

  private static ResponseEntity<ErrorBody> error(
      HttpStatus status, String code, String message, String param) {
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .body(ErrorBody.of(code, message, param));
  }
}
