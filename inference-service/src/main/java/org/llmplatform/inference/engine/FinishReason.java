package org.llmplatform.inference.engine;

/** Why a request ended, as the API names it. */
public enum FinishReason {
  /** A stop id or eos was generated. */
  STOP,
  /** max_new_tokens (or the context) reached. */
  LENGTH,
  /** The client went away. */
  CANCELLED,
  /** The run failed. */
  ERROR;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
