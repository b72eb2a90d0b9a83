package org.llmplatform.structured.grammar;

import org.llmplatform.structured.automaton.Dfa;

/**
 * For an object rule with a {@link PropertySet}: which declared keys each state can still reach by
 * bytes alone, so that a key's prefix is refused once every key it can complete to was seen (else
 * {@code {"name":"x","n} passed the mask and no byte could follow when {@code additionalProperties}
 * is false: the seen bit is only checked at the key's end).
 */
final class PropertyLiveness {
  private final long[] keys; // [states] key tags reachable by bytes, up to the first tagged state
  private final boolean[] free; // [states] a way on that passes no key tag: a call, acceptance, '}'

  private PropertyLiveness(long[] keys, boolean[] free) {
    this.keys = keys;
    this.free = free;
  }

  static PropertyLiveness of(Dfa d) {
    int n = d.stateCount();
    long[] keys = new long[n];
    boolean[] free = new boolean[n];
    for (int s = 0; s < n; s++) {
      free[s] = d.accepting(s) || d.calls(s).length > 0 || d.tag(s) == PropertySet.CLOSE;
    }
    boolean changed = true;
    while (changed) {
      changed = false;
      for (int s = 0; s < n; s++) {
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
