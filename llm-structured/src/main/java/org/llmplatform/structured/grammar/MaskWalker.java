package org.llmplatform.structured.grammar;

import java.util.IdentityHashMap;
import java.util.Map;
import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.vocab.TokenTrie;

/**
 * Computes one mask: walks the vocabulary trie against each configuration, pruning a subtree as
 * soon as its prefix is refused. A lexical top frame is walked with its automaton state alone (no
 * allocation) and, from the root, answered from {@link LexicalMasks}; where the lexeme may end
 * mid-token the walk continues in the caller's configurations.
 */
final class MaskWalker {
  private final Grammar grammar;
  private final TokenTrie trie;
  private final LexicalMasks memo;
  private final Map<Frame, Configs> returns = new IdentityHashMap<>();
  private long[] mask;

  MaskWalker(Grammar grammar, TokenTrie trie, LexicalMasks memo) {
    this.grammar = grammar;
    this.trie = trie;
    this.memo = memo;
  }

  /** Sets in {@code mask} the bit of every token some configuration of {@code configs} takes. */
  void fill(Configs configs, long[] mask) {
    this.mask = mask;
    returns.clear();
    for (Frame f : configs.frames()) {
      Dfa d = grammar.rule(f.rule);
      LengthBound lb = grammar.bound(f.rule);
      if (lb != null) {
        fillCounted(d, lb, f);
      } else if (d.lexical()) {
        LexicalMasks.StateMask m = lexicalMask(d, f.state);
        long[] inside = m.inside();
        for (int i = 0; i < inside.length; i++) {
          mask[i] |= inside[i];
        }
        if (f.parent != null && returnsToBytes(f.parent)) {
          for (int exit : m.exits()) {
            walkReturned(exit, f.parent);
          }
        }
      } else {
        walk(0, f);
      }
    }
  }

  private void fillCounted(Dfa d, LengthBound lb, Frame f) {
    CountedScan.Mask m = memo.getCounted(d, f.state);
    if (m == null) {
      m = CountedScan.scan(trie, d, lb.body(), f.state, mask.length);
      memo.putCounted(d, f.state, m);
    }
    m.orInside(mask, lb.max() < 0 ? Integer.MAX_VALUE : lb.max() - (int) f.count);
    int[] exits = m.exits();
    int[] chars = m.exitChars();
    for (int i = 0; i < exits.length; i++) {
      int n = (int) f.count + chars[i];
      if (n >= lb.min() && (lb.max() < 0 || n <= lb.max())) {
        mark(exits[i]);
        if (f.parent != null) {
          walkReturned(exits[i], f.parent);
        }
      }
    }
  }

  private void walkCounted(int node, Dfa d, LengthBound lb, int state, int count, Frame parent) {
    int end = trie.subtreeEnd(node);
    for (int c = node + 1; c < end; c = trie.subtreeEnd(c)) {
      int b = trie.edgeByte(c);
      int s = d.step(state, b);
      if (s < 0) {
        continue;
      }
      int n = lb.next(state, b, count);
      if (n < 0) {
        continue;
      }
      mark(c);
      if (c + 1 < trie.subtreeEnd(c)) {
        walkCounted(c, d, lb, s, n, parent);
        if (d.accepting(s) && parent != null) {
          walkReturned(c, parent);
        }
      }
    }
  }

  private LexicalMasks.StateMask lexicalMask(Dfa d, int state) {
    LexicalMasks.StateMask m = memo.get(d, state);
    if (m == null) {
      m = LexicalScan.scan(trie, d, state, mask.length);
      memo.put(d, state, m);
    }
    return m;
  }

  /** The children of {@code node}, walked with the configuration {@code f} (which takes a byte). */
  private void walk(int node, Frame f) {
    Dfa d = grammar.rule(f.rule);
    LengthBound lb = grammar.bound(f.rule);
    if (lb != null) {
      walkCounted(node, d, lb, f.state, (int) f.count, f.parent);
      return;
    }
    if (d.lexical()) {
      walkLexical(node, d, f.state, f.parent);
      return;
    }
    int end = trie.subtreeEnd(node);
    for (int c = node + 1; c < end; c = trie.subtreeEnd(c)) {
      Frame h = grammar.step(f, trie.edgeByte(c));
      if (h == null) {
        continue;
      }
      mark(c);
      Configs next = Configs.close(grammar, h);
      for (Frame g : next.frames()) {
        walk(c, g);
      }
    }
  }

  private void walkLexical(int node, Dfa d, int state, Frame parent) {
    int end = trie.subtreeEnd(node);
    for (int c = node + 1; c < end; c = trie.subtreeEnd(c)) {
      int s = d.step(state, trie.edgeByte(c));
      if (s < 0) {
        continue;
      }
      mark(c);
      if (c + 1 < trie.subtreeEnd(c)) {
        walkLexical(c, d, s, parent);
        if (d.accepting(s) && parent != null) {
          walkReturned(c, parent);
        }
      }
    }
  }

  /** The children of {@code node} after the lexeme ended and returned to {@code parent}. */
  private void walkReturned(int node, Frame parent) {
    if (node + 1 >= trie.subtreeEnd(node)) {
      return;
    }
    for (Frame g : returned(parent).frames()) {
      walk(node, g);
    }
  }

  /**
   * False when nothing can follow a lexeme that returns to {@code parent} (the output's free text
   * at its end, accepting everywhere): its exits, maybe every inner node of the trie, are skipped.
   */
  private boolean returnsToBytes(Frame parent) {
    return returned(parent).frames().length > 0;
  }

  private Configs returned(Frame parent) {
    Configs back = returns.get(parent);
    if (back == null) {
      back = Configs.close(grammar, parent);
      returns.put(parent, back);
    }
    return back;
  }

  private void mark(int node) {
    for (int i = trie.tokensFrom(node); i < trie.tokensTo(node); i++) {
      int t = trie.token(i);
      mask[t >>> 6] |= 1L << t;
    }
  }
}
