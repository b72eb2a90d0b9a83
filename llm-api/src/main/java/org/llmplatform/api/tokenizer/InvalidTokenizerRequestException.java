package org.llmplatform.api.tokenizer;

/**
 * A tokenizer request that breaks a rule of the API; the service answers 400 naming {@link
 * #param()}.
 */
public class InvalidTokenizerRequestException extends IllegalArgumentException {

  private final String param;

  public InvalidTokenizerRequestException(String param, String message) {
    super(message);
    this.param = param;
  }

  /** The request field at fault, or null when no single field is. */
  public String param() {
    return param;
  }
}
