package org.llmplatform.inference.engine;

/** Lifecycle of a generation request. */
public enum RequestState {
  WAITING,
  PREFILLING,
  DECODING,
  FINISHED,
  CANCELLED,
  FAILED;

  public boolean isTerminal() {
    return this == FINISHED || this == CANCELLED || this == FAILED;
  }
}
