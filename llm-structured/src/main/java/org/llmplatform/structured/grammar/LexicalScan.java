package org.llmplatform.structured.grammar;

import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.vocab.TokenTrie;

/** The full trie walk behind one {@link LexicalMasks.StateMask}. */
final class LexicalScan {
  private final TokenTrie trie;
  private final Dfa dfa;
  private final long[] inside;
  private int[] exits = new int[16];
  private int exitCount;

  private LexicalScan(TokenTrie trie, Dfa dfa, int words) {
    this.trie = trie;
    this.dfa = dfa;
    this.inside = new long[words];
  }

  static LexicalMasks.StateMask scan(TokenTrie trie, Dfa dfa, int state, int words) {
    LexicalScan s = new LexicalScan(trie, dfa, words);
    s.walk(0, state);
    return new LexicalMasks.StateMask(s.inside, java.util.Arrays.copyOf(s.exits, s.exitCount));
  }

  private void walk(int node, int state) {
    int end = trie.subtreeEnd(node);
    for (int c = node + 1; c < end; c = trie.subtreeEnd(c)) {
      int s = dfa.step(state, trie.edgeByte(c));
      if (s < 0) {
        continue;
      }
      for (int i = trie.tokensFrom(c); i < trie.tokensTo(c); i++) {
        int t = trie.token(i);
        inside[t >>> 6] |= 1L << t;
      }
      if (c + 1 < trie.subtreeEnd(c)) {
        walk(c, s);
        if (dfa.accepting(s)) {
          if (exitCount == exits.length) {
            exits = java.util.Arrays.copyOf(exits, exitCount * 2);
          }
          exits[exitCount++] = c;
        }
      }
    }
  }
}
