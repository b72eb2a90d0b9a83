package org.llmplatform.gateway.error;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The public error JSON in OpenAI's format: {@code {"error":{"message","type","param","code"}}}.
 *
 * @param error what went wrong
 */
public record OpenAiError(Detail error) {

  /**
   * @param message human-readable explanation
   * @param type OpenAI error type, e.g. {@code invalid_request_error}, {@code rate_limit_error}
   * @param param the request field at fault, or null
   * @param code machine-readable code, e.g. {@code model_not_found}
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Detail(String message, String type, String param, String code) {}
}
