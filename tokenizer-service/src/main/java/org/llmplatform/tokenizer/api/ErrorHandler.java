package org.llmplatform.tokenizer.api;

import java.util.OptionalInt;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.error.InvalidFieldException;
import org.llmplatform.http.error.ErrorResponses;
import org.llmplatform.tokenizer.template.ChatTemplateException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;

/**
 * Maps the service's exceptions to the common error JSON ({@link ErrorResponses}): 400 {@code
 * invalid_request} naming the field, 413 {@code request_too_large}, 404 {@code not_found} for a
 * wrong path, 500 {@code internal_error} with the request id only.
 */
@RestControllerAdvice
class ErrorHandler {

  @ExceptionHandler(InvalidFieldException.class)
  ResponseEntity<ErrorBody> invalid(InvalidFieldException e) {
    return ErrorResponses.invalidField(e);
  }

  /**
   * A conversation the template cannot render, or a render past its limits: {@code param} names the
   * message the template was rendering when known ({@code messages[2]}).
   */
  @ExceptionHandler(ChatTemplateException.class)
  ResponseEntity<ErrorBody> template(ChatTemplateException e) {
    OptionalInt index = e.messageIndex();
    return ErrorResponses.invalidRequest(
        e.getMessage(), index.isPresent() ? "messages[" + index.getAsInt() + "]" : "messages");
  }

  /**
   * An unreadable body: malformed JSON, invalid UTF-8, a wrong type, a record's validation (the
   * cause chain then holds an {@link InvalidFieldException} naming the field), or too large.
   */
  @ExceptionHandler(ServerWebInputException.class)
  ResponseEntity<ErrorBody> unreadable(ServerWebInputException e) {
    return ErrorResponses.unreadable(e);
  }

  /**
   * A wrong path, method or media type; a body over {@code spring.http.codecs.max-in-memory-size}.
   */
  @ExceptionHandler(ResponseStatusException.class)
  ResponseEntity<ErrorBody> status(ResponseStatusException e, ServerWebExchange exchange) {
    return ErrorResponses.status(e, exchange);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ErrorBody> unexpected(Exception e, ServerWebExchange exchange) {
    return ErrorResponses.internalError(e, exchange);
  }
}
