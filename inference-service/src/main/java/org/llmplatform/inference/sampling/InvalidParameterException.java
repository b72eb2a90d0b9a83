package org.llmplatform.inference.sampling;

/** A generation parameter out of range; {@link #param()} names the request field. */
public class InvalidParameterException extends IllegalArgumentException {
  private final String param;

  public InvalidParameterException(String param, String message) {
    super(message);
    this.param = param;
  }

  public String param() {
    return param;
  }
}
