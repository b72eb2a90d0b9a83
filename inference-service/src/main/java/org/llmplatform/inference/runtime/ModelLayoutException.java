package org.llmplatform.inference.runtime;

/** A model directory the engine cannot serve; the message names what is missing. */
public class ModelLayoutException extends RuntimeException {
  public ModelLayoutException(String message) {
    super(message);
  }

  public ModelLayoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
