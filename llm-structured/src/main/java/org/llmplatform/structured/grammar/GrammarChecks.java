package org.llmplatform.structured.grammar;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.structured.automaton.Dfa;

/** Whole-grammar checks done once when a grammar is built. */
public final class GrammarChecks {
  private GrammarChecks() {}

  /**
   * The rules without calls of rules that can never complete (fixpoint), trimmed. An object rule
   * (one with a {@link PropertySet}) whose required keys cannot all be reached from its start can
   * never complete either, however its automaton looks: its required bits are checked at run time.
   */
  static Dfa[] productive(Dfa[] rules, PropertySet[] properties) {
    Dfa[] current = rules.clone();
    Dfa[] checked = new Dfa[current.length]; // the automaton whose required keys were last checked
    boolean[] completes = new boolean[current.length];
    boolean changed = true;
    while (changed) {
      changed = false;
      boolean[] productive = new boolean[current.length];
      for (int i = 0; i < current.length; i++) {
        long required = properties[i] == null ? 0 : properties[i].required();
        if (required != 0 && checked[i] != current[i]) {
          completes[i] = PropertyLiveness.of(current[i], required).completes();
          checked[i] = current[i];
        }
        productive[i] = !current[i].isEmpty() && (required == 0 || completes[i]);
      }
      for (int i = 0; i < current.length; i++) {
        if (current[i].lexical()) {
          continue; // keep the shared automaton (its cached masks are keyed by identity)
        }
        Dfa d = current[i].withProductiveCalls(r -> productive[r]);
        if (d.stateCount() != current[i].stateCount() || d.isEmpty() != current[i].isEmpty()) {
          changed = true;
          current[i] = d;
        } else if (checked[i] == current[i]) {
          checked[i] = d; // the same automaton, trimmed alike: its check holds
          current[i] = d;
        } else {
          current[i] = d;
        }
      }
    }
    return current;
  }

  /**
   * The rules a rule can call before consuming any byte, as a cycle: a left recursion the matcher
   * could expand forever. Empty when there is none.
   */
  public static List<Integer> leftRecursion(List<Dfa> rules) {
    int n = rules.size();
    boolean[][] leftCalls = new boolean[n][n];
    boolean[] nullable = new boolean[n];
    // nullable rules: fixpoint over paths of calls to nullable rules reaching acceptance
    boolean changed = true;
    while (changed) {
      changed = false;
      for (int r = 0; r < n; r++) {
        if (!nullable[r] && reachesWithoutBytes(rules.get(r), nullable, null, r)) {
          nullable[r] = true;
          changed = true;
        }
      }
    }
    for (int r = 0; r < n; r++) {
      reachesWithoutBytes(rules.get(r), nullable, leftCalls[r], r);
    }
    int[] color = new int[n];
    List<Integer> path = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      if (color[r] == 0 && cycle(r, leftCalls, color, path)) {
        return path;
      }
    }
    return List.of();
  }

  private static boolean cycle(int r, boolean[][] edges, int[] color, List<Integer> path) {
    color[r] = 1;
    path.add(r);
    for (int t = 0; t < edges.length; t++) {
      if (edges[r][t] && (color[t] == 1 || (color[t] == 0 && cycle(t, edges, color, path)))) {
        return true;
      }
    }
    color[r] = 2;
    path.remove(path.size() - 1);
    return false;
  }

  /** Explores states reachable from 0 through calls of nullable rules; records the calls seen. */
  private static boolean reachesWithoutBytes(
      Dfa d, boolean[] nullable, boolean[] called, int self) {
    boolean[] seen = new boolean[d.stateCount()];
    ArrayList<Integer> stack = new ArrayList<>();
    stack.add(0);
    seen[0] = true;
    boolean accepts = false;
    while (!stack.isEmpty()) {
      int s = stack.remove(stack.size() - 1);
      accepts |= d.accepting(s);
      int[] calls = d.calls(s);
      for (int i = 0; i < calls.length; i += 2) {
        if (called != null) {
          called[calls[i]] = true;
        }
        if (nullable[calls[i]] && !seen[calls[i + 1]]) {
          seen[calls[i + 1]] = true;
          stack.add(calls[i + 1]);
        }
      }
    }
    return accepts;
  }
}
