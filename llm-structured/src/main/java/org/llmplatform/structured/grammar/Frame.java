package org.llmplatform.structured.grammar;

/**
 * One configuration of the pushdown automaton: the top rule and its state, over the frames to
 * return to (the parent holds the caller's rule and its state after the call). Immutable, shared
 * between configurations; equality is structural.
 */
final class Frame {
  final int rule;
  final int state;
  final long count; // characters so far (LengthBound) or properties seen (PropertySet); else 0
  final Frame parent;
  private final int hash;
  final int depth;

  Frame(int rule, int state, Frame parent) {
    this(rule, state, 0, parent);
  }

  Frame(int rule, int state, long count, Frame parent) {
    this.rule = rule;
    this.state = state;
    this.count = count;
    this.parent = parent;
    this.hash =
        ((parent == null ? 17 : parent.hash) * 31 * 31 + rule * 31 + state) * 31
            + Long.hashCode(count);
    this.depth = parent == null ? 1 : parent.depth + 1;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Frame f) || f.hash != hash) {
      return false;
    }
    Frame a = this;
    Frame b = f;
    while (a != null && b != null) {
      if (a == b) {
        return true;
      }
      if (a.rule != b.rule || a.state != b.state || a.count != b.count) {
        return false;
      }
      a = a.parent;
      b = b.parent;
    }
    return a == b;
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
