package org.llmplatform.api.inference;

/** A request field that fails validation; {@link #param()} is its JSON name. */
public class InvalidFieldException extends IllegalArgumentException {
  private final String param;

  public InvalidFieldException(String param, String message) {
    super(message);
    this.param = param;
  }

  public String param() {
    return param;
  }
}
