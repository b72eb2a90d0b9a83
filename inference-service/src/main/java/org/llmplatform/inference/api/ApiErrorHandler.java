package org.llmplatform.inference.api;

import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.error.InvalidFieldException;
import org.llmplatform.http.error.ErrorResponses;
import org.llmplatform.inference.drain.DrainingException;
import org.llmplatform.inference.sampling.InvalidParameterException;
import org.llmplatform.inference.scheduler.OverloadedException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;

/**
 * Maps every failure of the internal API to the common error JSON ({@link ErrorResponses}), always
 * as {@code application/json} (also when the client accepts only {@code text/event-stream}, as the
 * gateway does: an error written as an event was a body it could not read): 400 {@code
 * invalid_request} naming the field, 413 {@code request_too_large}, 429 {@code overloaded}, 500
 * {@code internal_error} with the request id only, 503 {@code draining} while the service shuts
 * down.
 */
@RestControllerAdvice
class ApiErrorHandler {

  /** A sampling parameter the engine refuses (the engine's own exception type). */
  @ExceptionHandler(InvalidParameterException.class)
  ResponseEntity<ErrorBody> invalidParameter(InvalidParameterException e) {
    return ErrorResponses.invalidRequest(e.getMessage(), e.param());
  }

  @ExceptionHandler(InvalidFieldException.class)
  ResponseEntity<ErrorBody> invalidField(InvalidFieldException e) {
    return ErrorResponses.invalidField(e);
  }

  @ExceptionHandler(OverloadedException.class)
  ResponseEntity<ErrorBody> overloaded(OverloadedException e) {
    return ErrorResponses.of(HttpStatus.TOO_MANY_REQUESTS, "overloaded", e.getMessage(), null);
  }

  /** A generation asked while the service shuts down: the gateway tries another replica. */
  @ExceptionHandler(DrainingException.class)
  ResponseEntity<ErrorBody> draining(DrainingException e) {
    return ErrorResponses.of(HttpStatus.SERVICE_UNAVAILABLE, "draining", e.getMessage(), null);
  }

  /** Malformed JSON, a wrong type, a record that refused its values, a body over the limit. */
  @ExceptionHandler(ServerWebInputException.class)
  ResponseEntity<ErrorBody> unreadable(ServerWebInputException e) {
    return ErrorResponses.unreadable(e);
  }

  /** Routing and content negotiation: a wrong path, method or media type; a body too large. */
  @ExceptionHandler(ResponseStatusException.class)
  ResponseEntity<ErrorBody> status(ResponseStatusException e, ServerWebExchange exchange) {
    return ErrorResponses.status(e, exchange);
  }

  /** A non-streamed generation the engine ended with an error, or any other failure. */
  @ExceptionHandler(Exception.class)
  ResponseEntity<ErrorBody> unexpected(Exception e, ServerWebExchange exchange) {
    return ErrorResponses.internalError(e, exchange);
  }
}
