package org.llmplatform.structured.vocab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class VocabularyTest {
  private static final Path REPO = Path.of(System.getProperty("llm.repo.dir", ".."));
  private static final Path SHARED = Path.of(System.getProperty("llm.shared.dir", "../../shared"));

  @Test
  void readsByteLevelBpe() {
    Vocabulary v =
        Vocabulary.fromTokenizerJson(REPO.resolve("test-models/tiny-llama-mha/tokenizer.json"));
    assertThat(v.size()).isEqualTo(384);
    // byte-level alphabet: 'Ġ' is the space byte, 'Ċ' the newline
    assertThat(find(v, " ")).isGreaterThanOrEqualTo(0);
    assertThat(find(v, "\n")).isGreaterThanOrEqualTo(0);
    assertThat(v.bytes(0)).as("<|pad|> is special").isNull();
    assertThat(v.eosTokens()).contains(1); // <|endoftext|>
  }

  @Test
  void readsSentencePieceWithByteFallback() {
    Path tok = SHARED.resolve("models/stories260K/tokenizer.json");
    Assumptions.assumeTrue(Files.exists(tok), "stories260K absent in ../shared/models");
    Vocabulary v = Vocabulary.fromTokenizerJson(tok);
    assertThat(v.bytes(3 + 0x0A)).containsExactly((byte) 0x0A); // <0x0A>
    assertThat(v.bytes(2)).as("</s> is special").isNull();
    assertThat(v.eosTokens()).contains(2);
    boolean spaced = false;
    for (int t = 0; t < v.size(); t++) {
      byte[] b = v.bytes(t);
      spaced |= b != null && b.length > 1 && b[0] == ' ';
    }
    assertThat(spaced).as("▁ read as a space").isTrue();
  }

  @Test
  void trieHoldsEveryTokenOnce() {
    byte[][] tokens = {
      "a".getBytes(StandardCharsets.UTF_8),
      "ab".getBytes(StandardCharsets.UTF_8),
      null,
      "b".getBytes(StandardCharsets.UTF_8),
      "ab".getBytes(StandardCharsets.UTF_8),
      new byte[] {(byte) 0xC3}
    };
    TokenTrie trie = Vocabulary.of(tokens, 2).trie();
    int count = 0;
    for (int n = 0; n < trie.nodeCount(); n++) {
      count += trie.tokensTo(n) - trie.tokensFrom(n);
    }
    assertThat(count).isEqualTo(5);
    assertThat(trie.subtreeEnd(0)).isEqualTo(trie.nodeCount());
  }

  private static int find(Vocabulary v, String text) {
    byte[] want = text.getBytes(StandardCharsets.UTF_8);
    for (int t = 0; t < v.size(); t++) {
      if (java.util.Arrays.equals(v.bytes(t), want)) {
        return t;
      }
    }
    return -1;
  }
}
