package org.llmplatform.gateway.client;

import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.gateway.error.ApiException;
import org.springframework.web.reactive.function.client.WebClientResponseException;

/**
 * Maps an error answer of a downstream (its {@link ErrorBody}) to what the client sees: the
 * downstream's 4xx keep their meaning, its 5xx make it "unavailable".
 */
final class DownstreamErrors {

  private DownstreamErrors() {}

  static ApiException fromResponse(String downstream, WebClientResponseException response) {
    ErrorBody.Detail detail = detail(response);
    String message = detail == null ? response.getStatusText() : detail.message();
    String param = detail == null ? null : detail.param();
    String code = detail == null ? null : detail.code();
    int status = response.getStatusCode().value();
    if (status < 400) {
      // the answer started well and broke off (connection lost while reading the body)
      return ApiException.unavailable(
          downstream, "the answer broke off: " + rootMessage(response), response);
    }
    return switch (status) {
      case 400 -> ApiException.invalidRequest(param, message);
      case 422 ->
          ApiException.unprocessable(code == null ? "invalid_request" : code, param, message);
      case 404 -> ApiException.notFound(code == null ? "not_found" : code, param, message);
      case 409 -> ApiException.conflict(message);
      case 413 ->
          code == null || "context_length_exceeded".equals(code)
              ? ApiException.badRequest("context_length_exceeded", param, message)
              : ApiException.tooLarge(code, param, message);
      case 429 ->
          ApiException.tooManyRequests(
              code == null ? "overloaded" : code, Downstream.retryAfterOf(response), message);
      case 504 -> ApiException.timeout(downstream, message);
      default ->
          status >= 500
              ? ApiException.unavailable(downstream, status + " " + message, response)
              : ApiException.invalidRequest(param, message);
    };
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  private static ErrorBody.Detail detail(WebClientResponseException response) {
    try {
      ErrorBody body = response.getResponseBodyAs(ErrorBody.class);
      return body == null ? null : body.error();
    } catch (RuntimeException notAnErrorBody) {
      return null;
    }
  }
}
