package org.llmplatform.structured.automaton;

/** An automaton grew past {@link Dfa#MAX_STATES}; the schema construct behind it is refused. */
public final class AutomatonTooLargeException extends RuntimeException {
  public AutomatonTooLargeException(int limit) {
    super("automaton over " + limit + " states");
  }
}
