package org.llmplatform.structured.schema;

import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.automaton.Nfa;

/**
 * The lexical automata of free text around a trigger (a lazy grammar's opener), from the trigger's
 * string-matching automaton (Knuth–Morris–Pratt: state j = the longest suffix of the text that is a
 * prefix of the trigger, j bytes long). Any bytes at all are text; a token that spells part of the
 * trigger, or all of it and more, is followed byte by byte.
 */
final class FreeText {
  private FreeText() {}

  /**
   * Text that does not contain {@code trigger}: accepting everywhere (the output may end in it);
   * the byte that would complete the trigger is refused.
   */
  static Dfa withoutTrigger(byte[] trigger) {
    return automaton(trigger, false);
  }

  /**
   * Text whose first occurrence of {@code trigger} is at its end: accepting only there, where the
   * caller's rule goes on (a call's JSON).
   */
  static Dfa untilTrigger(byte[] trigger) {
    return automaton(trigger, true);
  }

  private static Dfa automaton(byte[] trigger, boolean toTrigger) {
    int k = trigger.length;
    if (k == 0) {
      throw new IllegalArgumentException("empty trigger");
    }
    int[][] next = matching(trigger); // [k][256] -> 0..k
    Nfa n = new Nfa();
    for (int j = 0; j <= k; j++) {
      n.newState();
    }
    int accept = toTrigger ? k : n.newState();
    for (int j = 0; j < k; j++) {
      int b = 0;
      while (b < 256) {
        int target = next[j][b];
        int run = b;
        while (run + 1 < 256 && next[j][run + 1] == target) {
          run++;
        }
        if (target < k || toTrigger) {
          n.addRange(j, b, run, target);
        }
        b = run + 1;
      }
      if (!toTrigger) {
        n.addEpsilon(j, accept);
      }
    }
    n.setStart(0);
    n.setAccept(accept);
    return Dfa.of(n);
  }

  /** The matching automaton's transitions from states 0..k-1 (k: the trigger seen whole). */
  static int[][] matching(byte[] trigger) {
    int k = trigger.length;
    int[][] next = new int[k][256];
    int fallback = 0; // the state reached by the trigger's bytes 1..j-1 (KMP's failure state)
    for (int j = 0; j < k; j++) {
      int b0 = trigger[j] & 0xFF;
      if (j > 0) {
        System.arraycopy(next[fallback], 0, next[j], 0, 256);
      }
      next[j][b0] = j + 1;
      if (j > 0) {
        fallback = next[fallback][b0];
      }
    }
    return next;
  }
}
