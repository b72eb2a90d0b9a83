package org.llmplatform.structured.automaton;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * A deterministic automaton over bytes, trimmed so that every state can still reach an accepting
 * one. Transitions go through byte classes: {@code next[state * classes + classOf[b]]}, -1 when the
 * byte is not allowed. A state may also have call edges (rule, target) when it belongs to a rule of
 * a grammar; a DFA without any is <em>lexical</em>. Start state is 0. Immutable.
 */
public final class Dfa {
  /** The most states one automaton may have; a bigger one is refused by its builder. */
  public static final int MAX_STATES = 50_000;

  private final int[] classOf; // [256] byte -> class
  private final int classes;
  private final int[] next; // [states * classes] -> state or -1
  private final boolean[] accepting; // [states]
  private final int[][] calls; // [states] -> (rule, target) pairs, or empty
  private final int[] tags; // [states] tag of the state, -1 none; null when no state has one
  private final boolean lexical;
  private volatile byte[] plainLoop; // [states] 1 when every plain byte loops to the state, lazily

  private Dfa(int[] classOf, int classes, int[] next, boolean[] accepting, int[][] calls) {
    this(classOf, classes, next, accepting, calls, null);
  }

  private Dfa(
      int[] classOf, int classes, int[] next, boolean[] accepting, int[][] calls, int[] tags) {
    this.tags = tags;
    this.classOf = classOf;
    this.classes = classes;
    this.next = next;
    this.accepting = accepting;
    this.calls = calls;
    boolean anyCall = false;
    for (int[] c : calls) {
      anyCall |= c.length > 0;
    }
    this.lexical = !anyCall;
  }

  public int stateCount() {
    return accepting.length;
  }

  /** The state after {@code b} (0..255) from {@code state}, or -1. */
  public int step(int state, int b) {
    return next[state * classes + classOf[b]];
  }

  /** The tag of a state (from {@link Nfa#tag}), -1 for none. */
  public int tag(int state) {
    return tags == null ? -1 : tags[state];
  }

  /**
   * True when every printable ASCII byte other than the quote and the backslash leads from {@code
   * state} back to it (inside a free string): a subtree of such bytes stays in the state.
   */
  public boolean loopsOnPlain(int state) {
    byte[] loop = plainLoop;
    if (loop == null) {
      loop = new byte[stateCount()];
      for (int s = 0; s < loop.length; s++) {
        boolean all = true;
        for (int b = 0x20; b < 0x7F && all; b++) {
          all = b == '"' || b == '\\' || step(s, b) == s;
        }
        loop[s] = (byte) (all ? 1 : 0);
      }
      plainLoop = loop;
    }
    return loop[state] == 1;
  }

  public boolean accepting(int state) {
    return accepting[state];
  }

  /** Flattened (rule, target) pairs of the call edges leaving {@code state}. */
  public int[] calls(int state) {
    return calls[state];
  }

  public boolean lexical() {
    return lexical;
  }

  /** True when the automaton accepts no sentence at all. */
  public boolean isEmpty() {
    return !accepting[0] && !hasOut(0);
  }

  private boolean hasOut(int state) {
    if (calls[state].length > 0) {
      return true;
    }
    for (int c = 0; c < classes; c++) {
      if (next[state * classes + c] >= 0) {
        return true;
      }
    }
    return false;
  }

  /** True when some byte leads out of {@code state} (call edges aside). */
  public boolean hasByteStep(int state) {
    for (int c = 0; c < classes; c++) {
      if (next[state * classes + c] >= 0) {
        return true;
      }
    }
    return false;
  }

  /** Subset construction, then trimming. */
  public static Dfa of(Nfa nfa) {
    return new SubsetConstruction(nfa).run();
  }

  /** The automaton without call edges to rules that {@code productive} rejects, trimmed again. */
  public Dfa withProductiveCalls(IntPredicate productive) {
    int[][] kept = new int[calls.length][];
    for (int s = 0; s < calls.length; s++) {
      int[] c = calls[s];
      int n = 0;
      int[] k = new int[c.length];
      for (int i = 0; i < c.length; i += 2) {
        if (productive.test(c[i])) {
          k[n++] = c[i];
          k[n++] = c[i + 1];
        }
      }
      kept[s] = Arrays.copyOf(k, n);
    }
    return trimmed(classOf, classes, next.clone(), accepting, kept, tags);
  }

  /** The language of both lexical automata. */
  public static Dfa intersect(Dfa a, Dfa b) {
    if (!a.lexical || !b.lexical) {
      throw new IllegalArgumentException("intersection of lexical automata only");
    }
    int[] classOf = new int[256];
    int[] repr = new int[256];
    int classes = 0;
    Map<Long, Integer> pairClass = new HashMap<>();
    for (int x = 0; x < 256; x++) {
      long key = ((long) a.classOf[x] << 32) | b.classOf[x];
      Integer c = pairClass.get(key);
      if (c == null) {
        c = classes++;
        pairClass.put(key, c);
        repr[c] = x;
      }
      classOf[x] = c;
    }
    Map<Long, Integer> ids = new HashMap<>();
    List<long[]> order = new ArrayList<>();
    ArrayDeque<long[]> queue = new ArrayDeque<>();
    long[] first = {0, 0};
    ids.put(0L, 0);
    order.add(first);
    queue.add(first);
    IntList nextList = new IntList();
    while (!queue.isEmpty()) {
      long[] p = queue.poll();
      for (int c = 0; c < classes; c++) {
        int x = repr[c];
        int sa = a.step((int) p[0], x);
        int sb = sa < 0 ? -1 : b.step((int) p[1], x);
        if (sb < 0) {
          nextList.add(-1);
          continue;
        }
        long key = ((long) sa << 32) | sb;
        Integer id = ids.get(key);
        if (id == null) {
          CompileInterruptedException.check();
          id = order.size();
          if (id >= MAX_STATES) {
            throw new AutomatonTooLargeException(MAX_STATES);
          }
          ids.put(key, id);
          long[] q = {sa, sb};
          order.add(q);
          queue.add(q);
        }
        nextList.add(id);
      }
    }
    boolean[] acc = new boolean[order.size()];
    for (int i = 0; i < acc.length; i++) {
      acc[i] = a.accepting[(int) order.get(i)[0]] && b.accepting[(int) order.get(i)[1]];
    }
    return trimmed(classOf, classes, nextList.toArray(), acc, noCalls(acc.length));
  }

  /** Every byte string that {@code a} (lexical) does not accept. */
  public static Dfa complement(Dfa a) {
    if (!a.lexical) {
      throw new IllegalArgumentException("complement of a lexical automaton only");
    }
    int states = a.stateCount() + 1;
    int sink = states - 1;
    int[] next = new int[states * a.classes];
    boolean[] acc = new boolean[states];
    for (int s = 0; s < states; s++) {
      for (int c = 0; c < a.classes; c++) {
        int t = s == sink ? -1 : a.next[s * a.classes + c];
        next[s * a.classes + c] = t < 0 ? sink : t;
      }
      acc[s] = s == sink || !a.accepting[s];
    }
    // complement of a trimmed automaton is not trimmed: keep every state (all reach the sink)
    return new Dfa(a.classOf, a.classes, next, acc, noCalls(states));
  }

  static int[][] noCalls(int n) {
    int[][] c = new int[n][];
    Arrays.fill(c, new int[0]);
    return c;
  }

  static Dfa trimmed(int[] classOf, int classes, int[] next, boolean[] acc, int[][] calls) {
    return trimmed(classOf, classes, next, acc, calls, null);
  }

  /** Keeps the states reachable from 0 that can reach an accepting state; renumbers them. */
  static Dfa trimmed(
      int[] classOf, int classes, int[] next, boolean[] acc, int[][] calls, int[] tags) {
    int n = acc.length;
    // reverse reachability from accepting states
    List<IntList> reverse = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      reverse.add(new IntList());
    }
    for (int s = 0; s < n; s++) {
      for (int c = 0; c < classes; c++) {
        int t = next[s * classes + c];
        if (t >= 0) {
          reverse.get(t).add(s);
        }
      }
      for (int i = 1; i < calls[s].length; i += 2) {
        reverse.get(calls[s][i]).add(s);
      }
    }
    boolean[] live = new boolean[n];
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    for (int s = 0; s < n; s++) {
      if (acc[s]) {
        live[s] = true;
        queue.add(s);
      }
    }
    while (!queue.isEmpty()) {
      int t = queue.poll();
      IntList r = reverse.get(t);
      for (int i = 0; i < r.size(); i++) {
        int s = r.get(i);
        if (!live[s]) {
          live[s] = true;
          queue.add(s);
        }
      }
    }
    // forward reachability from 0 through live states
    int[] id = new int[n];
    Arrays.fill(id, -1);
    int count = 0;
    if (n > 0 && live[0]) {
      id[0] = count++;
      queue.add(0);
      IntList order = new IntList();
      order.add(0);
      while (!queue.isEmpty()) {
        int s = queue.poll();
        for (int c = 0; c < classes; c++) {
          int t = next[s * classes + c];
          if (t >= 0 && live[t] && id[t] < 0) {
            id[t] = count++;
            order.add(t);
            queue.add(t);
          }
        }
        for (int i = 1; i < calls[s].length; i += 2) {
          int t = calls[s][i];
          if (live[t] && id[t] < 0) {
            id[t] = count++;
            order.add(t);
            queue.add(t);
          }
        }
      }
    }
    if (count == 0) {
      return new Dfa(classOf, classes, filled(classes), new boolean[1], noCalls(1));
    }
    int[] newNext = new int[count * classes];
    int[] newTags = tags == null ? null : new int[count];
    boolean[] newAcc = new boolean[count];
    int[][] newCalls = new int[count][];
    for (int s = 0; s < n; s++) {
      int ns = id[s];
      if (ns < 0) {
        continue;
      }
      newAcc[ns] = acc[s];
      if (newTags != null) {
        newTags[ns] = tags[s];
      }
      for (int c = 0; c < classes; c++) {
        int t = next[s * classes + c];
        newNext[ns * classes + c] = t >= 0 ? id[t] : -1;
      }
      IntList kept = new IntList();
      for (int i = 0; i < calls[s].length; i += 2) {
        int t = id[calls[s][i + 1]];
        if (t >= 0) {
          kept.add(calls[s][i]);
          kept.add(t);
        }
      }
      newCalls[ns] = kept.toArray();
    }
    return new Dfa(classOf, classes, newNext, newAcc, newCalls, newTags);
  }

  private static int[] filled(int n) {
    int[] a = new int[n];
    Arrays.fill(a, -1);
    return a;
  }
}
