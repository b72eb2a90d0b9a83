package org.llmplatform.structured.automaton;

/**
 * A compile stopped because its thread was interrupted: its caller gave up on it (a time limit
 * passed). Automaton constructions check at each new state (of the NFA as it is built, of the DFA
 * as it is determinized), so a compile that would run long stops within one state of being
 * interrupted.
 */
public final class CompileInterruptedException extends RuntimeException {

  public CompileInterruptedException() {
    super("the compile was interrupted");
  }

  /** Throws when the current thread has been interrupted (the flag stays set). */
  public static void check() {
    if (Thread.currentThread().isInterrupted()) {
      throw new CompileInterruptedException();
    }
  }
}
