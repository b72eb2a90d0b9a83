package org.llmplatform.inference.api;

import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.inference.InvalidFieldException;
import org.llmplatform.inference.sampling.InvalidParameterException;
import org.llmplatform.inference.scheduler.OverloadedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
import tools.jackson.core.JacksonException;

/** Maps every failure of the internal API to the common error JSON. */
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
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InvalidFieldException f) {
        return invalidField(f);
      }
      if (t instanceof InvalidParameterException p) {
        return invalidParameter(p);
      }
    }
    String param = null;
    String detail = "malformed request body";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof JacksonException j) {
        param =
            j.getPath().stream()
                .map(JacksonException.Reference::getPropertyName)
                .filter(java.util.Objects::nonNull)
                .findFirst()
                .orElse(null);
        detail = j.getOriginalMessage();
        break;
      }
    }
    return error(
        HttpStatus.BAD_REQUEST, "invalid_request", "malformed request body: " + detail, param);
  }

  @ExceptionHandler(GenerationFailedException.class)
  ResponseEntity<ErrorBody> failed(GenerationFailedException e) {
    return error(HttpStatus.INTERNAL_SERVER_ERROR, "generation_failed", e.getMessage(), null);
  }

  @ExceptionHandler(ResponseStatusException.class)
  ResponseEntity<ErrorBody> status(ResponseStatusException e) {
    HttpStatus status = HttpStatus.resolve(e.getStatusCode().value());
    String code =
        status != null && status.is4xxClientError() ? "invalid_request" : "internal_error";
    return error(
        status != null ? status : HttpStatus.INTERNAL_SERVER_ERROR,
        code,
        e.getReason() != null ? e.getReason() : e.getMessage(),
        null);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ErrorBody> unexpected(Exception e) {
    log.error("Unexpected error", e);
    return error(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error", null);
  }

  private static ResponseEntity<ErrorBody> error(
      HttpStatus status, String code, String message, String param) {
    return ResponseEntity.status(status).body(ErrorBody.of(code, message, param));
  }
}
