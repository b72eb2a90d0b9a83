package org.llmplatform.structured.automaton;

import java.util.Arrays;

/**
 * A nondeterministic automaton over bytes being built: edges on byte ranges, epsilon edges and call
 * edges (which consume a whole sentence of another rule of the grammar). {@link Dfa#of} turns it
 * into a deterministic one.
 */
public final class Nfa {
  private int states;
  // byte edges: from, lo, hi, to
  private int[] ranges = new int[64];
  private int rangeCount;
  // epsilon edges: from, to
  private int[] epsilons = new int[32];
  private int epsilonCount;
  // call edges: from, rule, to
  private int[] calls = new int[12];
  private int callCount;
  private final java.util.Map<Integer, Integer> tags = new java.util.HashMap<>();
  private int start = -1;
  private int accept = -1;

  public int newState() {
    CompileInterruptedException.check();
    return states++;
  }

  public int stateCount() {
    return states;
  }

  public void addRange(int from, int lo, int hi, int to) {
    if (lo < 0 || hi > 255 || lo > hi) {
      throw new IllegalArgumentException("byte range " + lo + ".." + hi);
    }
    ranges = grow(ranges, rangeCount * 4 + 4);
    ranges[rangeCount * 4] = from;
    ranges[rangeCount * 4 + 1] = lo;
    ranges[rangeCount * 4 + 2] = hi;
    ranges[rangeCount * 4 + 3] = to;
    rangeCount++;
  }

  public void addByte(int from, int b, int to) {
    addRange(from, b, b, to);
  }

  /** Adds a path spelling {@code bytes} from {@code from} to {@code to}. */
  public void addLiteral(int from, byte[] bytes, int to) {
    if (bytes.length == 0) {
      addEpsilon(from, to);
      return;
    }
    int at = from;
    for (int i = 0; i < bytes.length; i++) {
      int next = i == bytes.length - 1 ? to : newState();
      addByte(at, bytes[i] & 0xFF, next);
      at = next;
    }
  }

  public void addEpsilon(int from, int to) {
    epsilons = grow(epsilons, epsilonCount * 2 + 2);
    epsilons[epsilonCount * 2] = from;
    epsilons[epsilonCount * 2 + 1] = to;
    epsilonCount++;
  }

  public void addCall(int from, int rule, int to) {
    calls = grow(calls, callCount * 3 + 3);
    calls[callCount * 3] = from;
    calls[callCount * 3 + 1] = rule;
    calls[callCount * 3 + 2] = to;
    callCount++;
  }

  /** Marks a state; the DFA state holding it carries the tag (see {@link Dfa#tag}). */
  public void tag(int state, int tag) {
    tags.put(state, tag);
  }

  int tagOf(int state) {
    return tags.getOrDefault(state, -1);
  }

  boolean hasTags() {
    return !tags.isEmpty();
  }

  public void setStart(int state) {
    this.start = state;
  }

  public void setAccept(int state) {
    this.accept = state;
  }

  int start() {
    return start;
  }

  int accept() {
    return accept;
  }

  int rangeCount() {
    return rangeCount;
  }

  int[] ranges() {
    return ranges;
  }

  int epsilonCount() {
    return epsilonCount;
  }

  int[] epsilons() {
    return epsilons;
  }

  int callCount() {
    return callCount;
  }

  int[] calls() {
    return calls;
  }

  private static int[] grow(int[] a, int need) {
    return need <= a.length ? a : Arrays.copyOf(a, Math.max(need, a.length * 2));
  }
}
