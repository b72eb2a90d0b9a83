package org.llmplatform.inference.engine;

/**
 * Lifecycle of a generation request, and of each of its sequences in the engine: waiting in the
 * queue, prefilling its prompt, decoding in the batch, then ended one of three ways. The engine's
 * decisions read it: the oldest prefilling sequence gets the next prefill chunk, decoding ones are
 * the batch's rows, ended ones retire.
 */
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
