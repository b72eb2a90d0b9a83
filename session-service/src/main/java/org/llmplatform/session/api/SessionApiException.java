package org.llmplatform.session.api;

import org.springframework.http.HttpStatus;

/**
 * A refusal of the session API's own (not found, conflict, full, over a limit) that it answers with
 * {@code status} and {@code code}; a bad field is an {@code InvalidFieldException} instead.
 */
class SessionApiException extends RuntimeException {

  private final HttpStatus status;
  private final String code;
  private final String param;

  SessionApiException(HttpStatus status, String code, String message, String param) {
    super(message);
    this.status = status;
    this.code = code;
    this.param = param;
  }

  static SessionApiException notFound(String id) {
    return new SessionApiException(
        HttpStatus.NOT_FOUND, "session_not_found", "no session " + id + " for this owner", "id");
  }

  HttpStatus status() {
    return status;
  }

  String code() {
    return code;
  }

  String param() {
    return param;
  }
}
