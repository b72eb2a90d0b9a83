package org.llmplatform.structured.grammar;

/**
 * A string rule whose characters are counted outside its automaton: between {@code min} and {@code
 * max} (-1: unbounded) code points; a character starts on each byte taken from state {@code body}
 * other than the closing quote. Keeps {@code maxLength} from multiplying states.
 */
public record LengthBound(int min, int max, int body) {
  /** The count after byte {@code b} from {@code state}, or -1 when the bound forbids the byte. */
  int next(int state, int b, int count) {
    if (state != body) {
      return count;
    }
    if (b == '"') {
      return count < min ? -1 : count;
    }
    return max >= 0 && count >= max ? -1 : count + 1;
  }
}
