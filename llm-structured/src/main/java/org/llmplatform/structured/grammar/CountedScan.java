package org.llmplatform.structured.grammar;

import java.util.Arrays;
import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.vocab.TokenTrie;

/**
 * The cached tokens of a counted string state ({@link LengthBound}): the tokens that stay inside
 * the string, grouped by how many characters they add, and the trie nodes where the string closes
 * with the characters before the close. Independent of the count so far, so shared.
 */
final class CountedScan {
  /** Character counts up to this one get a cumulative token set; longer tokens are listed. */
  static final int DIRECT = 16;

  /** One state's tokens. {@code atMost[c]}: inside tokens adding at most c characters. */
  record Mask(
      long[][] atMost,
      int maxChars,
      int[] longTokens,
      int[] longChars,
      int[] exits,
      int[] exitChars) {

    /** ORs into {@code mask} the inside tokens that fit in {@code remaining} characters. */
    void orInside(long[] mask, int remaining) {
      long[] set = atMost[Math.min(Math.max(remaining, 0), DIRECT)];
      for (int i = 0; i < set.length; i++) {
        mask[i] |= set[i];
      }
      if (remaining > DIRECT) {
        for (int i = 0; i < longTokens.length; i++) {
          if (longChars[i] <= remaining) {
            int t = longTokens[i];
            mask[t >>> 6] |= 1L << t;
          }
        }
      }
    }
  }

  private final TokenTrie trie;
  private final Dfa dfa;
  private final int body;
  private final long[][] exact;
  private int[] longTokens = new int[64];
  private int[] longChars = new int[64];
  private int longCount;
  private int maxChars;
  private int[] exits = new int[64];
  private int[] exitChars = new int[64];
  private int exitCount;

  private CountedScan(TokenTrie trie, Dfa dfa, int body, int words) {
    this.trie = trie;
    this.dfa = dfa;
    this.body = body;
    this.exact = new long[DIRECT + 1][words];
  }

  static Mask scan(TokenTrie trie, Dfa dfa, int body, int state, int words) {
    CountedScan s = new CountedScan(trie, dfa, body, words);
    s.walk(0, state, 0);
    long[][] atMost = new long[DIRECT + 1][];
    long[] acc = new long[words];
    for (int c = 0; c <= DIRECT; c++) {
      for (int i = 0; i < words; i++) {
        acc[i] |= s.exact[c][i];
      }
      atMost[c] = acc.clone();
    }
    return new Mask(
        atMost,
        s.maxChars,
        Arrays.copyOf(s.longTokens, s.longCount),
        Arrays.copyOf(s.longChars, s.longCount),
        Arrays.copyOf(s.exits, s.exitCount),
        Arrays.copyOf(s.exitChars, s.exitCount));
  }

  private void walk(int node, int state, int chars) {
    int end = trie.subtreeEnd(node);
    for (int c = node + 1; c < end; c = trie.subtreeEnd(c)) {
      int b = trie.edgeByte(c);
      int s = dfa.step(state, b);
      if (s < 0) {
        continue;
      }
      int n = state == body && b != '"' ? chars + 1 : chars;
      boolean closed = dfa.accepting(s);
      if (closed) {
        // the string ended at this byte: tokens ending here and below continue in the caller
        addExit(c, n);
        continue;
      }
      for (int i = trie.tokensFrom(c); i < trie.tokensTo(c); i++) {
        addInside(trie.token(i), n);
      }
      walk(c, s, n);
    }
  }

  private void addInside(int t, int chars) {
    maxChars = Math.max(maxChars, chars);
    if (chars <= DIRECT) {
      exact[chars][t >>> 6] |= 1L << t;
      return;
    }
    if (longCount == longTokens.length) {
      longTokens = Arrays.copyOf(longTokens, longCount * 2);
      longChars = Arrays.copyOf(longChars, longCount * 2);
    }
    longTokens[longCount] = t;
    longChars[longCount++] = chars;
  }

  private void addExit(int node, int chars) {
    if (exitCount == exits.length) {
      exits = Arrays.copyOf(exits, exitCount * 2);
      exitChars = Arrays.copyOf(exitChars, exitCount * 2);
    }
    exits[exitCount] = node;
    exitChars[exitCount++] = chars;
  }
}
