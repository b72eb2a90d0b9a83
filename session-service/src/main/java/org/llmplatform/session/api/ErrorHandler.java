package org.llmplatform.session.api;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import java.io.IOException;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.session.InvalidFieldException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindException;

/** Maps every failure of the session API to an {@link ErrorBody}. */
@RestControllerAdvice
class ErrorHandler {

  private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);

  @ExceptionHandler(SessionApiException.class)
  ResponseEntity<ErrorBody> refused(SessionApiException e) {
    return answer(e.status(), e.code(), e.getMessage(), e.param());
  }

  @ExceptionHandler(InvalidFieldException.class)
  ResponseEntity<ErrorBody> invalidField(InvalidFieldException e) {
    return answer(HttpStatus.BAD_REQUEST, "invalid_request", e.getMessage(), e.field());
  }

  /** The body could not be read: malformed JSON, a wrong type, a rejected field, too large. */
  @ExceptionHandler(ServerWebInputException.class)
  ResponseEntity<ErrorBody> unreadable(ServerWebInputException e) {
    String at = null;
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof DataBufferLimitException) {
        return answer(
            HttpStatus.CONTENT_TOO_LARGE,
            "request_too_large",
            "the request body is too large",
            null);
      }
      if (cause instanceof DatabindException databind && at == null) {
        at = path(databind);
      }
      if (cause instanceof InvalidFieldException invalid) {
        String param = at == null || at.isEmpty() ? invalid.field() : at + "." + invalid.field();
        return answer(
            HttpStatus.BAD_REQUEST, "invalid_request", param + ": " + invalid.reason(), param);
      }
      if (cause instanceof StreamReadException read) {
        return answer(
            HttpStatus.BAD_REQUEST,
            "invalid_json",
            "the body is not valid JSON: " + read.getOriginalMessage(),
            null);
      }
    }
    if (at != null && !at.isEmpty()) {
      return answer(HttpStatus.BAD_REQUEST, "invalid_request", at + " has the wrong type", at);
    }
    String reason = e.getReason() != null ? e.getReason() : "the request could not be read";
    return answer(HttpStatus.BAD_REQUEST, "invalid_request", reason, null);
  }

  @ExceptionHandler(ResponseStatusException.class)
  ResponseEntity<ErrorBody> status(ResponseStatusException e) {
    HttpStatusCode status = e.getStatusCode();
    String reason = e.getReason() != null ? e.getReason() : e.getMessage();
    String code =
        switch (status.value()) {
          case 404 -> "not_found";
          case 405 -> "method_not_allowed";
          case 406, 415 -> "unsupported_media_type";
          case 413 -> "request_too_large";
          default -> status.is4xxClientError() ? "invalid_request" : "error";
        };
    return answer(status, code, reason, null);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ErrorBody> unexpected(Exception e) {
    if (isRedisUnavailable(e)) {
      log.warn("Redis unavailable: {}", e.toString());
      return answer(
          HttpStatus.SERVICE_UNAVAILABLE,
          "store_unavailable",
          "the session store (Redis) is unavailable; retry shortly (appends with the same"
              + " idempotency_key are safe to retry)",
          null);
    }
    log.error("unexpected failure", e);
    return answer(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error", null);
  }

  /**
   * Connection refused, lost or timed out, or a server that cannot serve yet (loading its data,
   * busy); an error the server answered to a command (a Lua error) is not one of them.
   */
  static boolean isRedisUnavailable(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof DataAccessResourceFailureException
          || cause instanceof QueryTimeoutException
          || cause instanceof IOException) {
        return true;
      }
      if (cause instanceof RedisCommandExecutionException refused) {
        String message = String.valueOf(refused.getMessage());
        return message.startsWith("LOADING")
            || message.startsWith("BUSY")
            || message.startsWith("MASTERDOWN")
            || message.startsWith("TRYAGAIN");
      }
      if (cause instanceof RedisException) {
        return true; // Lettuce's own: not connected, connection closed or reset, timed out
      }
    }
    return false;
  }

  /** {@code messages[2]} for a path of property {@code messages}, index 2. */
  private static String path(DatabindException e) {
    StringBuilder path = new StringBuilder();
    for (JacksonException.Reference ref : e.getPath()) {
      if (ref.getPropertyName() != null) {
        if (!path.isEmpty()) {
          path.append('.');
        }
        path.append(ref.getPropertyName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  private static ResponseEntity<ErrorBody> answer(
      HttpStatusCode status, String code, String message, String param) {
    return ResponseEntity.status(status).body(ErrorBody.of(code, message, param));
  }
}
