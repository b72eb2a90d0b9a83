package org.llmplatform.api.tokenizer;

/**
 * Answer of {@code POST /v1/internal/detokenize}.
 *
 * @param text the decoded text
 */
public record DetokenizeResponse(String text) {
  public DetokenizeResponse {
    if (text == null) {
      throw new IllegalArgumentException("text is required");
    }
  }
}
