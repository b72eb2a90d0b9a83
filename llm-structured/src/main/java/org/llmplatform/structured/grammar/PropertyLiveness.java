package org.llmplatform.structured.grammar;

import org.llmplatform.structured.automaton.Dfa;

/**
 * For an object rule with a {@link PropertySet}: which declared keys each state can still reach
 * (by bytes and calls, which return to their targets), and whether it can reach the end without
 * one, so that a state is refused once every key it can go on to was seen. Else {@code
 * {"name":"x","n} or a comma after the last key passed the mask and nothing could follow when
 * {@code additionalProperties} is false: the seen bit is only checked at a key's end. A state is
 * refused too when a required key not yet seen can no longer be reached from it (its value's rule
 * can never complete): else {@code {} passed the mask and the object could not be closed.
 */
final class PropertyLiveness {
  private final long[] keys; // [states] key tags reachable, up to the first tagged state
  private final long[] later; // [states] key tags reachable by any path
  private final boolean[] free; // [states] a way to acceptance or '}' that passes no key tag
  private final long required;

  private PropertyLiveness(long[] keys, long[] later, boolean[] free, long required) {
    this.keys = keys;
    this.later = later;
    this.free = free;
    this.required = required;
  }

  static PropertyLiveness of(Dfa d, long required) {
    int n = d.stateCount();
    long[] keys = new long[n];
    long[] later = new long[n];
    boolean[] free = new boolean[n];
    for (int s = 0; s < n; s++) {
      free[s] = d.accepting(s) || d.tag(s) == PropertySet.CLOSE;
    }
    boolean changed = true;
    while (changed) {
      changed = false;
      for (int s = n - 1; s >= 0; s--) { // successors mostly come later: one or two passes
        long k = keys[s];
        long l = later[s];
        boolean f = free[s];
        for (int b = 0; b < 256; b++) {
          int t = d.step(s, b);
          if (t < 0) {
            continue;
          }
          int tag = d.tag(t);
          l |= later[t];
          if (tag >= 0 && tag < PropertySet.MAX_PROPERTIES) {
            k |= 1L << tag;
            l |= 1L << tag;
          } else {
            k |= keys[t];
            f |= free[t];
          }
        }
        int[] calls = d.calls(s); // (rule, target) pairs: a call returns to its target
        for (int i = 1; i < calls.length; i += 2) {
          k |= keys[calls[i]];
          l |= later[calls[i]];
          f |= free[calls[i]];
        }
        if (k != keys[s] || l != later[s] || f != free[s]) {
          keys[s] = k;
          later[s] = l;
          free[s] = f;
          changed = true;
        }
      }
    }
    return new PropertyLiveness(keys, later, free, required);
  }

  /**
   * False when from {@code state} only keys already in {@code seen} can follow, or a required key
   * not in {@code seen} can no longer come: a dead end.
   */
  boolean live(int state, long seen) {
    return (required & ~seen & ~later[state]) == 0 && (free[state] || (keys[state] & ~seen) != 0);
  }

  /** False when the rule cannot complete at all: a required key is out of reach from its start. */
  boolean completes() {
    return live(0, 0);
  }
}
