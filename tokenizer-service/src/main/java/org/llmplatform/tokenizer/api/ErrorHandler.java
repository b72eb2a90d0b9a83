package org.llmplatform.tokenizer.api;

import java.util.OptionalInt;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.tokenizer.InvalidTokenizerRequestException;
import org.llmplatform.tokenizer.template.ChatTemplateException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;

/** Maps the service's exceptions to the common error JSON. */
@RestControllerAdvice
class ErrorHandler {

  private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);

  @ExceptionHandler(InvalidTokenizerRequestException.class)
  ResponseEntity<ErrorBody> invalid(InvalidTokenizerRequestException e) {
    return badRequest(e.getMessage(), e.param());
  }

  /**
   * A conversation the template cannot render, or a render past its limits: {@code param} names the
   * message the template was rendering when known ({@code messages[2]}).
   */
  @ExceptionHandler(ChatTemplateException.class)
  ResponseEntity<ErrorBody> template(ChatTemplateException e) {
    OptionalInt index = e.messageIndex();
    return badRequest(
        e.getMessage(), index.isPresent() ? "messages[" + index.getAsInt() + "]" : "messages");
  }

  /**
   * An unreadable body: malformed JSON, invalid UTF-8, a wrong type, or a record's validation (the
   * cause chain then holds an {@link InvalidTokenizerRequestException} naming the field).
   */
  @ExceptionHandler(ServerWebInputException.class)
  ResponseEntity<ErrorBody> unreadable(ServerWebInputException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InvalidTokenizerRequestException invalid) {
        return invalid(invalid);
      }
      if (t instanceof DataBufferLimitException) {
        return badRequest("request body is too large: " + t.getMessage(), null);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String detail = root instanceof DecodingException ? root.getMessage() : root.getMessage();
    return badRequest("invalid request body: " + firstLine(detail), null);
  }

  @ExceptionHandler(ResponseStatusException.class)
  ResponseEntity<ErrorBody> status(ResponseStatusException e) {
    if (e.getStatusCode().value() == HttpStatus.CONTENT_TOO_LARGE.value()) {
      // a body beyond spring.http.codecs.max-in-memory-size: a text far beyond the limit
      return badRequest("request body is too large", null);
    }
    HttpStatus status = HttpStatus.resolve(e.getStatusCode().value());
    String code = status != null && status.is4xxClientError() ? "invalid_request" : "internal";
    return ResponseEntity.status(e.getStatusCode())
        .body(ErrorBody.of(code, e.getReason() != null ? e.getReason() : e.getMessage(), null));
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ErrorBody> unexpected(Exception e) {
    log.error("unexpected error", e);
    return ResponseEntity.internalServerError()
        .body(ErrorBody.of("internal", "internal error: " + e.getMessage(), null));
  }

  private static ResponseEntity<ErrorBody> badRequest(String message, String param) {
    return ResponseEntity.badRequest().body(ErrorBody.of("invalid_request", message, param));
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
