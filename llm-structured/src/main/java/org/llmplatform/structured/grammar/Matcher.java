package org.llmplatform.structured.grammar;

import java.util.Arrays;
import org.llmplatform.structured.vocab.TokenTrie;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * Follows one generated sequence through a grammar: at each step {@link #fillMask} gives the tokens
 * allowed next, {@link #commit} takes the sampled one. End-of-sequence tokens are allowed exactly
 * where the grammar accepts. Thread-confined: one matcher per sequence.
 */
public final class Matcher {
  private final Grammar grammar;
  private final Vocabulary vocabulary;
  private final MaskWalker walker;
  private Configs configs;
  private boolean finished;
  private long fastForwarded;

  Matcher(Grammar grammar, Vocabulary vocabulary, LexicalMasks memo) {
    this.grammar = grammar;
    this.vocabulary = vocabulary;
    this.walker = new MaskWalker(grammar, vocabulary.trie(), memo);
    this.configs = Configs.close(grammar, new Frame(0, 0, null));
  }

  /** Words of a mask for this vocabulary: {@code long[maskWords()]}, bit t of word t / 64. */
  public int maskWords() {
    return (vocabulary.size() + 63) >>> 6;
  }

  /** Sets {@code mask} (length {@link #maskWords}) to the tokens allowed next; clears the rest. */
  public void fillMask(long[] mask) {
    Arrays.fill(mask, 0L);
    if (!finished) {
      walker.fill(configs, mask);
    }
    if (finished || configs.accepting()) {
      for (int e : vocabulary.eosTokens()) {
        mask[e >>> 6] |= 1L << e;
      }
    }
  }

  /**
   * Takes a token: true and the state advances when the grammar allows it, false (state unchanged)
   * when not. An EOS token is taken where the grammar accepts, and finishes the matcher.
   */
  public boolean commit(int token) {
    if (vocabulary.isEos(token)) {
      if (finished || configs.accepting()) {
        finished = true;
        return true;
      }
      return false;
    }
    if (finished) {
      return false;
    }
    byte[] bytes = vocabulary.bytes(token);
    if (bytes == null || bytes.length == 0) {
      return false;
    }
    Configs next = advance(configs, bytes, 0, bytes.length);
    if (next.isDead()) {
      return false;
    }
    configs = next;
    return true;
  }

  /** True when the text so far is a whole sentence of the grammar (EOS allowed). */
  public boolean isAccepting() {
    return finished || configs.accepting();
  }

  /** True after an EOS token was taken. */
  public boolean isFinished() {
    return finished;
  }

  /**
   * The tokens the grammar forces next, committed: where only one byte string can follow, its
   * tokens (greedily longest, leaving the last one that reaches the end of the forced bytes to the
   * model) are appended without sampling. Returns them, in order; often empty.
   */
  public int[] fastForward() {
    byte[] forced = forcedBytes();
    TokenTrie trie = vocabulary.trie();
    int[] out = new int[forced.length];
    int n = 0;
    int at = 0;
    while (at < forced.length) {
      int node = 0;
      int best = -1;
      int bestLen = 0;
      for (int i = at; i < forced.length; i++) {
        int child = childOf(trie, node, forced[i] & 0xFF);
        if (child < 0) {
          break;
        }
        node = child;
        if (trie.tokensTo(node) > trie.tokensFrom(node)) {
          best = trie.token(trie.tokensFrom(node));
          bestLen = i - at + 1;
        }
      }
      if (best < 0 || at + bestLen >= forced.length) {
        break;
      }
      configs = advance(configs, forced, at, at + bestLen);
      out[n++] = best;
      at += bestLen;
    }
    fastForwarded += n;
    return Arrays.copyOf(out, n);
  }

  /** Tokens appended by {@link #fastForward} so far (a metric). */
  public long fastForwardedTokens() {
    return fastForwarded;
  }

  private static int childOf(TokenTrie trie, int node, int b) {
    int end = trie.subtreeEnd(node);
    for (int c = node + 1; c < end; c = trie.subtreeEnd(c)) {
      if (trie.edgeByte(c) == b) {
        return c;
      }
    }
    return -1;
  }

  /**
   * The bytes that must come next, while exactly one byte is possible and the grammar can't end.
   */
  private byte[] forcedBytes() {
    byte[] out = new byte[64];
    int n = 0;
    Configs c = configs;
    while (!finished && !c.accepting() && n < 4096) {
      int only = -1;
      for (int b = 0; b < 256 && only != -2; b++) {
        for (Frame f : c.frames()) {
          if (grammar.step(f, b) != null) {
            only = only == -1 ? b : -2;
            break;
          }
        }
      }
      if (only < 0) {
        break;
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, n * 2);
      }
      out[n++] = (byte) only;
      c = c.step(grammar, only);
    }
    return Arrays.copyOf(out, n);
  }

  private Configs advance(Configs from, byte[] bytes, int start, int end) {
    Configs c = from;
    for (int i = start; i < end && !c.isDead(); i++) {
      c = c.step(grammar, bytes[i] & 0xFF);
    }
    return c;
  }

  /** True when the bytes could be appended (the grammar still alive after them). */
  public boolean acceptsBytes(byte[] bytes) {
    return !advance(configs, bytes, 0, bytes.length).isDead();
  }
}
