package org.llmplatform.session.api;

import org.springframework.http.HttpStatus;

/** A refusal the API answers with {@code status} and an ErrorBody. */
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

  static SessionApiException invalid(String param, String message) {
    return new SessionApiException(HttpStatus.BAD_REQUEST, "invalid_request", message, param);
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
