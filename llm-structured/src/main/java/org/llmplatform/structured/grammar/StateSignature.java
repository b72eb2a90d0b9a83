package org.llmplatform.structured.grammar;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.llmplatform.structured.automaton.Dfa;

/**
 * The language of a lexical automaton state, written canonically: the automaton reachable from it
 * (breadth-first numbering, byte transitions run-length encoded, acceptance). Two states with the
 * same signature accept the same byte strings, so they share cached masks even in different
 * automata: the tail of an unanchored pattern, a property name once it left the declared names.
 */
record StateSignature(int[] code) {
  /**
   * Larger sub-automata are keyed by identity instead (the signature would cost more than it
   * saves).
   */
  static final int MAX_STATES = 96;

  /** The signature, or null when more than {@link #MAX_STATES} states are reachable. */
  static StateSignature of(Dfa dfa, int state) {
    Map<Integer, Integer> index = new HashMap<>();
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    index.put(state, 0);
    queue.add(state);
    int[] out = new int[64];
    int n = 0;
    while (!queue.isEmpty()) {
      int s = queue.poll();
      if (n + 2 + 3 * 256 > out.length) {
        out = Arrays.copyOf(out, Math.max(out.length * 2, n + 2 + 3 * 256));
      }
      out[n++] = dfa.accepting(s) ? -2 : -3;
      int b = 0;
      while (b < 256) {
        int t = dfa.step(s, b);
        int run = b;
        while (run + 1 < 256 && dfa.step(s, run + 1) == t) {
          run++;
        }
        int target = -1;
        if (t >= 0) {
          Integer known = index.get(t);
          if (known == null) {
            if (index.size() >= MAX_STATES) {
              return null;
            }
            known = index.size();
            index.put(t, known);
            queue.add(t);
          }
          target = known;
        }
        out[n++] = run - b + 1;
        out[n++] = target;
        b = run + 1;
      }
    }
    return new StateSignature(Arrays.copyOf(out, n));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StateSignature s && Arrays.equals(code, s.code);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(code);
  }
}
