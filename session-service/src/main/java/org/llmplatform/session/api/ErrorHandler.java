package org.llmplatform.session.api;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import java.io.IOException;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.error.InvalidFieldException;
import org.llmplatform.http.error.ErrorResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;

/**
 * Maps every failure of the session API to an {@link ErrorBody}: its own refusals ({@link
 * SessionApiException}) with their codes, 503 {@code store_unavailable} while Redis is, and the
 * rest as every internal service answers them ({@link ErrorResponses}): 400 {@code invalid_request}
 * naming the field, 413 {@code request_too_large}, 404 {@code not_found} for a wrong path, 500
 * {@code internal_error} with the request id only.
 */
@RestControllerAdvice
class ErrorHandler {

  private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);

  @ExceptionHandler(SessionApiException.class)
  ResponseEntity<ErrorBody> refused(SessionApiException e) {
    return ErrorResponses.of(e.status(), e.code(), e.getMessage(), e.param());
  }

  @ExceptionHandler(InvalidFieldException.class)
  ResponseEntity<ErrorBody> invalidField(InvalidFieldException e) {
    return ErrorResponses.invalidField(e);
  }

  /** The body could not be read: malformed JSON, a wrong type, a rejected field, too large. */
  @ExceptionHandler(ServerWebInputException.class)
  ResponseEntity<ErrorBody> unreadable(ServerWebInputException e) {
    return ErrorResponses.unreadable(e);
  }

  /** A wrong path, method or media type; a body over the codec limit. */
  @ExceptionHandler(ResponseStatusException.class)
  ResponseEntity<ErrorBody> status(ResponseStatusException e, ServerWebExchange exchange) {
    return ErrorResponses.status(e, exchange);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ErrorBody> unexpected(Exception e, ServerWebExchange exchange) {
    if (isRedisUnavailable(e)) {
      log.warn("Redis unavailable: {}", e.toString());
      return ErrorResponses.of(
          HttpStatus.SERVICE_UNAVAILABLE,
          "store_unavailable",
          "the session store (Redis) is unavailable; retry shortly (appends with the same"
              + " idempotency_key are safe to retry)",
          null);
    }
    return ErrorResponses.internalError(e, exchange);
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
}
