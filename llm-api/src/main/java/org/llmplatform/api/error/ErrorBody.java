package org.llmplatform.api.error;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The error JSON every internal service answers with: {@code {"error":{"code","message","param"}}}.
 *
 * @param error what went wrong
 */
public record ErrorBody(Detail error) {

  /**
   * @param code machine-readable code, e.g. {@code invalid_request}, {@code overloaded}
   * @param message human-readable explanation
   * @param param the request field at fault, or null when no single field is
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Detail(String code, String message, String param) {
    public Detail {
      if (code == null || code.isBlank()) {
        throw new IllegalArgumentException("code is required");
      }
      if (message == null) {
        throw new IllegalArgumentException("message is required");
      }
    }
  }

  public ErrorBody {
    if (error == null) {
      throw new IllegalArgumentException("error is required");
    }
  }

  public static ErrorBody of(String code, String message, String param) {
    return new ErrorBody(new Detail(code, message, param));
  }
}
