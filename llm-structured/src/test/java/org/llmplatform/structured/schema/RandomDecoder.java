package org.llmplatform.structured.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.llmplatform.structured.grammar.Matcher;
import org.llmplatform.structured.vocab.TokenTrie;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * A stand-in for a model that never saw a tool: at each step a token drawn uniformly among those
 * the mask allows (EOS, where allowed, with a given probability), committed with the grammar's
 * forced tokens; the text is what the tokens spell.
 */
final class RandomDecoder {
  private final Matcher matcher;
  private final Vocabulary vocabulary;
  private final Random random;
  private final long[] mask;
  private final ByteArrayOutputStream text = new ByteArrayOutputStream();
  private int steps;

  RandomDecoder(Matcher matcher, Vocabulary vocabulary, long seed) {
    this.matcher = matcher;
    this.vocabulary = vocabulary;
    this.random = new Random(seed);
    this.mask = new long[matcher.maskWords()];
  }

  /**
   * Draws tokens until EOS is drawn (probability {@code eos} where allowed, certain where nothing
   * else is) or {@code until} holds; at most {@code maxSteps}. Returns true when EOS ended it.
   */
  boolean run(double eos, int maxSteps, java.util.function.BooleanSupplier until) {
    for (int i = 0; i < maxSteps && !until.getAsBoolean(); i++) {
      for (int t : matcher.fastForward()) {
        text.writeBytes(vocabulary.bytes(t));
      }
      matcher.fillMask(mask);
      int[] allowed = allowed();
      boolean eosAllowed = matcher.isAccepting();
      assertThat(allowed.length > 0 || eosAllowed).as("dead end after %s", text()).isTrue();
      if (eosAllowed && (allowed.length == 0 || random.nextDouble() < eos)) {
        assertThat(matcher.commit(vocabulary.eosTokens()[0])).isTrue();
        return true;
      }
      int t = allowed[random.nextInt(allowed.length)];
      assertThat(matcher.commit(t)).as("token %d after %s", t, text()).isTrue();
      text.writeBytes(vocabulary.bytes(t));
      steps++;
    }
    return false;
  }

  /** Commits the tokens that spell {@code s} (greedily longest), each checked against the mask. */
  void write(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    TokenTrie trie = vocabulary.trie();
    int at = 0;
    while (at < bytes.length) {
      int node = 0;
      int best = -1;
      int bestLen = 0;
      for (int i = at; i < bytes.length; i++) {
        int child = -1;
        for (int c = node + 1; c < trie.subtreeEnd(node); c = trie.subtreeEnd(c)) {
          if (trie.edgeByte(c) == (bytes[i] & 0xFF)) {
            child = c;
            break;
          }
        }
        if (child < 0) {
          break;
        }
        node = child;
        if (trie.tokensTo(node) > trie.tokensFrom(node)) {
          best = trie.token(trie.tokensFrom(node));
          bestLen = i - at + 1;
        }
      }
      assertThat(best).as("a token for %s", s.substring(at)).isGreaterThanOrEqualTo(0);
      matcher.fillMask(mask);
      assertThat(mask[best >>> 6] & 1L << best).as("token %d allowed", best).isNotZero();
      assertThat(matcher.commit(best)).isTrue();
      text.writeBytes(vocabulary.bytes(best));
      at += bestLen;
    }
  }

  private int[] allowed() {
    int n = 0;
    int[] out = new int[vocabulary.size()];
    for (int t = 0; t < vocabulary.size(); t++) {
      if ((mask[t >>> 6] & 1L << t) != 0 && !vocabulary.isEos(t)) {
        out[n++] = t;
      }
    }
    return java.util.Arrays.copyOf(out, n);
  }

  Matcher matcher() {
    return matcher;
  }

  int steps() {
    return steps;
  }

  String text() {
    return text.toString(StandardCharsets.UTF_8);
  }
}
