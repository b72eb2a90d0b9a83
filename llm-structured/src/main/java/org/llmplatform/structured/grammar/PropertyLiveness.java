package org.llmplatform.structured.grammar;

import org.llmplatform.structured.automaton.Dfa;

/**
 * For an object rule with a {@link PropertySet}: which declared keys each state can still reach
 * (by bytes and calls, which return to their targets), and whether it can reach the end without
 * one, so that a state is refused once every key it can go on to was seen. Else {@code
 * {"name":"x","n} or a comma after the last key passed the mask and nothing could follow when
 * {@code additionalProperties} is false: the seen bit is only checked at a key's end.
 */
final class PropertyLiveness {
  private final long[] keys; // [states] key tags reachable, up to the first tagged state
  private final boolean[] free; // [states] a way to acceptance or '}' that passes no key tag

  private PropertyLiveness(long[] keys, boolean[] free) {
    this.keys = keys;
    this.free = free;
  }

  static PropertyLiveness of(Dfa d) {
    int n = d.stateCount();
    long[] keys = new long[n];
    boolean[] free = new boolean[n];
    for (int s = 0; s < n; s++) {
      free[s] = d.accepting(s) || d.tag(s) == PropertySet.CLOSE;
    }
    boolean changed = true;
    while (changed) {
      changed = false;
      for (int s = n - 1; s >= 0; s--) { // successors mostly come later: one or two passes
        long k = keys[s];
        boolean f = free[s];
        for (int b = 0; b < 256; b++) {
          int t = d.step(s, b);
          if (t < 0) {
            continue;
          }
          int tag = d.tag(t);
          if (tag >= 0 && tag < PropertySet.MAX_PROPERTIES) {
            k |= 1L << tag;
          } else {
            k |= keys[t];
            f |= free[t];
          }
        }
        int[] calls = d.calls(s); // (rule, target) pairs: a call returns to its target
        for (int i = 1; i < calls.length; i += 2) {
          k |= keys[calls[i]];
          f |= free[calls[i]];
        }
        if (k != keys[s] || f != free[s]) {
          keys[s] = k;
          free[s] = f;
          changed = true;
        }
      }
    }
    return new PropertyLiveness(keys, free);
  }

  /** False when from {@code state} only keys already in {@code seen} can follow: a dead end. */
  boolean live(int state, long seen) {
    return free[state] || (keys[state] & ~seen) != 0;
  }
}
