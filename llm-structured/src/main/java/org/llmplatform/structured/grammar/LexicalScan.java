package org.llmplatform.structured.grammar;

import java.util.Arrays;
import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.vocab.TokenTrie;

/**
 * The full trie walk behind one {@link LexicalMasks.StateMask}: a linear sweep of the depth-first
 * node arrays with the automaton state per depth, skipping a subtree where its prefix is refused.
 */
final class LexicalScan {
  private LexicalScan() {}

  static LexicalMasks.StateMask scan(TokenTrie trie, Dfa dfa, int state, int words) {
    TokenTrie.Layout t = trie.layout();
    byte[] edge = t.edgeByte();
    int[] end = t.subtreeEnd();
    int[] tokenStart = t.tokenStart();
    int[] tokens = t.tokens();
    short[] depth = t.depth();
    long[] inside = new long[words];
    int[] exits = new int[64];
    int exitCount = 0;
    int[] stateAt = new int[trie.maxDepth() + 1];
    stateAt[0] = state;
    int nodes = end.length;
    int i = 1;
    while (i < nodes) {
      int d = depth[i];
      int s = dfa.step(stateAt[d - 1], edge[i] & 0xFF);
      if (s < 0) {
        i = end[i];
        continue;
      }
      if (i + 1 < end[i] && trie.plainBelow(i) && dfa.loopsOnPlain(s) && !dfa.accepting(s)) {
        // the whole subtree stays in s (not accepting, so no exit): take every token in it
        for (int k = tokenStart[i]; k < tokenStart[end[i]]; k++) {
          int tok = tokens[k];
          inside[tok >>> 6] |= 1L << tok;
        }
        i = end[i];
        continue;
      }
      for (int k = tokenStart[i]; k < tokenStart[i + 1]; k++) {
        int tok = tokens[k];
        inside[tok >>> 6] |= 1L << tok;
      }
      if (i + 1 < end[i]) {
        if (dfa.accepting(s)) {
          if (exitCount == exits.length) {
            exits = Arrays.copyOf(exits, exitCount * 2);
          }
          exits[exitCount++] = i;
        }
        stateAt[d] = s;
      }
      i++;
    }
    return new LexicalMasks.StateMask(inside, Arrays.copyOf(exits, exitCount));
  }
}
