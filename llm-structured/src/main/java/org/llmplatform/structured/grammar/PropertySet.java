package org.llmplatform.structured.grammar;

/**
 * An object rule whose declared properties may come in any order, each at most once: entering the
 * state tagged {@code i} (just after property i's key) marks bit i of the frame, refused when
 * already set; entering the state tagged {@link #CLOSE} (just after the closing brace) is refused
 * unless every bit of {@code required} is set. Keeps the automaton linear in the properties.
 */
public record PropertySet(long required) {
  /** The tag of the state after an object's closing brace. */
  public static final int CLOSE = 64;

  /** The most properties tracked (one bit each). */
  public static final int MAX_PROPERTIES = 64;

  /** The properties seen after entering a state with {@code tag}, or -1 when refused. */
  long next(int tag, long seen) {
    if (tag == CLOSE) {
      return (seen & required) == required ? seen : -1;
    }
    if (tag >= 0) {
      long bit = 1L << tag;
      return (seen & bit) != 0 ? -1 : seen | bit;
    }
    return seen;
  }
}
