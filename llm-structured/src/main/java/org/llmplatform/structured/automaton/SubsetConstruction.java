package org.llmplatform.structured.automaton;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The subset construction behind {@link Dfa#of}: byte classes, epsilon closures, call edges. */
final class SubsetConstruction {

  private final Nfa nfa;
  private final int[][] rangeOut; // per nfa state: edge indices
  private final int[][] epsOut;
  private final int[][] callOut;
  private final int[] classOf = new int[256];
  private int classes;

  SubsetConstruction(Nfa nfa) {
    this.nfa = nfa;
    int n = nfa.stateCount();
    rangeOut = group(n, nfa.ranges(), nfa.rangeCount(), 4);
    epsOut = group(n, nfa.epsilons(), nfa.epsilonCount(), 2);
    callOut = group(n, nfa.calls(), nfa.callCount(), 3);
    boolean[] boundary = new boolean[257];
    int[] r = nfa.ranges();
    for (int i = 0; i < nfa.rangeCount(); i++) {
      boundary[r[i * 4 + 1]] = true;
      boundary[r[i * 4 + 2] + 1] = true;
    }
    int cls = -1;
    for (int b = 0; b < 256; b++) {
      if (b == 0 || boundary[b]) {
        cls++;
      }
      classOf[b] = cls;
    }
    classes = cls + 1;
  }

  private static int[][] group(int n, int[] edges, int count, int width) {
    int[] deg = new int[n];
    for (int i = 0; i < count; i++) {
      deg[edges[i * width]]++;
    }
    int[][] out = new int[n][];
    for (int s = 0; s < n; s++) {
      out[s] = new int[deg[s]];
    }
    int[] fill = new int[n];
    for (int i = 0; i < count; i++) {
      int s = edges[i * width];
      out[s][fill[s]++] = i;
    }
    return out;
  }

  private int[] stamp;
  private int generation;
  private final IntList stack = new IntList();
  private final IntList result = new IntList();

  private int[] closure(IntList seeds) {
    if (stamp == null) {
      stamp = new int[nfa.stateCount()];
    }
    int gen = ++generation;
    stack.clear();
    result.clear();
    for (int i = 0; i < seeds.size(); i++) {
      int s = seeds.get(i);
      if (stamp[s] != gen) {
        stamp[s] = gen;
        stack.add(s);
      }
    }
    int[] eps = nfa.epsilons();
    while (stack.size() > 0) {
      int s = stack.pop();
      result.add(s);
      for (int e : epsOut[s]) {
        int t = eps[e * 2 + 1];
        if (stamp[t] != gen) {
          stamp[t] = gen;
          stack.add(t);
        }
      }
    }
    int[] a = result.toArray();
    Arrays.sort(a);
    return a;
  }

  Dfa run() {
    Map<Key, Integer> ids = new HashMap<>();
    List<int[]> sets = new ArrayList<>();
    IntList seed = new IntList();
    seed.add(nfa.start());
    int[] first = closure(seed);
    ids.put(new Key(first), 0);
    sets.add(first);
    IntList next = new IntList();
    List<int[]> calls = new ArrayList<>();
    IntList[] buckets = new IntList[classes];
    for (int c = 0; c < classes; c++) {
      buckets[c] = new IntList();
    }
    int[] ranges = nfa.ranges();
    int[] callEdges = nfa.calls();
    for (int d = 0; d < sets.size(); d++) {
      int[] set = sets.get(d);
      for (IntList b : buckets) {
        b.clear();
      }
      TreeMap<Integer, IntList> byRule = new TreeMap<>();
      for (int s : set) {
        for (int e : rangeOut[s]) {
          int lo = classOf[ranges[e * 4 + 1]];
          int hi = classOf[ranges[e * 4 + 2]];
          for (int c = lo; c <= hi; c++) {
            buckets[c].add(ranges[e * 4 + 3]);
          }
        }
        for (int e : callOut[s]) {
          byRule
              .computeIfAbsent(callEdges[e * 3 + 1], k -> new IntList())
              .add(callEdges[e * 3 + 2]);
        }
      }
      for (int c = 0; c < classes; c++) {
        next.add(buckets[c].size() == 0 ? -1 : idOf(closure(buckets[c]), ids, sets));
      }
      IntList pairs = new IntList();
      for (Map.Entry<Integer, IntList> e : byRule.entrySet()) {
        pairs.add(e.getKey());
        pairs.add(idOf(closure(e.getValue()), ids, sets));
      }
      calls.add(pairs.toArray());
    }
    boolean[] acc = new boolean[sets.size()];
    int[] tags = nfa.hasTags() ? new int[sets.size()] : null;
    for (int d = 0; d < acc.length; d++) {
      acc[d] = Arrays.binarySearch(sets.get(d), nfa.accept()) >= 0;
      if (tags != null) {
        tags[d] = -1;
        for (int s : sets.get(d)) {
          int t = nfa.tagOf(s);
          if (t >= 0 && tags[d] >= 0 && tags[d] != t) {
            throw new IllegalStateException("two tags in one state: " + tags[d] + ", " + t);
          }
          tags[d] = t >= 0 ? t : tags[d];
        }
      }
    }
    return Dfa.trimmed(classOf, classes, next.toArray(), acc, calls.toArray(new int[0][]), tags);
  }

  private static int idOf(int[] set, Map<Key, Integer> ids, List<int[]> sets) {
    Key key = new Key(set);
    Integer id = ids.get(key);
    if (id == null) {
      CompileInterruptedException.check();
      id = sets.size();
      if (id >= Dfa.MAX_STATES) {
        throw new AutomatonTooLargeException(Dfa.MAX_STATES);
      }
      ids.put(key, id);
      sets.add(set);
    }
    return id;
  }

  private record Key(int[] set) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(set, k.set);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(set);
    }
  }
}
