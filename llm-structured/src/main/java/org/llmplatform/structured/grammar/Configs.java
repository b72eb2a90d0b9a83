package org.llmplatform.structured.grammar;

import java.util.LinkedHashSet;
import java.util.Set;
import org.llmplatform.structured.automaton.Dfa;

/**
 * A closed set of configurations: every frame here can take a byte next (call edges were followed
 * and finished rules returned from); {@code accepting} when the whole grammar may end here.
 */
record Configs(Frame[] frames, boolean accepting) {
  static final Configs DEAD = new Configs(new Frame[0], false);

  boolean isDead() {
    return frames.length == 0 && !accepting;
  }

  /** The closure of the given frames. */
  static Configs close(Grammar g, Iterable<Frame> seeds) {
    Set<Frame> out = new LinkedHashSet<>();
    boolean[] accepting = {false};
    for (Frame f : seeds) {
      close(g, f, out, accepting);
    }
    return new Configs(out.toArray(new Frame[0]), accepting[0]);
  }

  static Configs close(Grammar g, Frame seed) {
    Set<Frame> out = new LinkedHashSet<>();
    boolean[] accepting = {false};
    close(g, seed, out, accepting);
    return new Configs(out.toArray(new Frame[0]), accepting[0]);
  }

  private static void close(Grammar g, Frame f, Set<Frame> out, boolean[] accepting) {
    close(g, f, out, accepting, new java.util.HashSet<>());
  }

  private static void close(
      Grammar g, Frame f, Set<Frame> out, boolean[] accepting, Set<Frame> seen) {
    while (seen.add(f)) {
      if (f.depth > 10_000) {
        throw new IllegalStateException("grammar nesting deeper than 10000");
      }
      Dfa d = g.rule(f.rule);
      if (d.hasByteStep(f.state)) {
        out.add(f);
      }
      int[] calls = d.calls(f.state);
      for (int i = 0; i < calls.length; i += 2) {
        close(
            g,
            new Frame(calls[i], 0, new Frame(f.rule, calls[i + 1], f.count, f.parent)),
            out,
            accepting,
            seen);
      }
      if (!d.accepting(f.state)) {
        return;
      }
      if (f.parent == null) {
        accepting[0] = true;
        return;
      }
      f = f.parent;
    }
  }

  /** The configurations after one byte (closed), DEAD when none takes it. */
  Configs step(Grammar g, int b) {
    Set<Frame> out = null;
    boolean[] accepting = {false};
    for (Frame f : frames) {
      Frame next = g.step(f, b);
      if (next != null) {
        if (out == null) {
          out = new LinkedHashSet<>();
        }
        close(g, next, out, accepting);
      }
    }
    return out == null ? DEAD : new Configs(out.toArray(new Frame[0]), accepting[0]);
  }
}
