package org.llmplatform.structured.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.llmplatform.structured.schema.SchemaCompiler;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * Differential: on random walks through grammars, a token is in the mask (trie walk, cached lexical
 * masks) iff stepping its bytes one by one through the automaton succeeds; EOS iff the grammar
 * accepts.
 */
class MaskConsistencyTest {
  static final List<String> SCHEMAS =
      List.of(
          "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":5},"
              + "\"age\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":120},"
              + "\"tags\":{\"type\":\"array\",\"items\":{\"enum\":[\"a\",\"bc\",null]}}},"
              + "\"required\":[\"name\"]}",
          "{\"anyOf\":[{\"type\":\"number\"},{\"type\":\"string\",\"format\":\"date\"},"
              + "{\"type\":\"array\",\"items\":{\"$ref\":\"#\"},\"maxItems\":3}]}",
          "{\"type\":\"string\",\"pattern\":\"^[a-z]+@[a-z]+\\\\.(com|org)$\"}",
          "true");

  private final Random random = new Random(7);

  @Test
  void maskMatchesNaiveStepOnSyntheticVocabulary() {
    Vocabulary v = syntheticVocabulary();
    for (String schema : SCHEMAS) {
      randomWalks(SchemaCompiler.compile(schema), v, 6, 40);
    }
  }

  @Test
  void maskMatchesNaiveStepOnLlama3Vocabulary() {
    Path tok =
        Path.of(System.getProperty("llm.repo.dir", ".."))
            .resolve("model-tools/.cache/tokenizers/llama3/tokenizer.json");
    Assumptions.assumeTrue(
        Files.exists(tok), "Llama 3 tokenizer absent: run model-tools/tokenizer-goldens/fetch.sh");
    Vocabulary v = Vocabulary.fromTokenizerJson(tok);
    randomWalks(SchemaCompiler.compile(SCHEMAS.get(0)), v, 2, 15);
  }

  private void randomWalks(Grammar g, Vocabulary v, int walks, int steps) {
    for (int w = 0; w < walks; w++) {
      Matcher m = g.matcher(v);
      long[] mask = new long[m.maskWords()];
      for (int step = 0; step < steps; step++) {
        m.fillMask(mask);
        List<Integer> allowed = new ArrayList<>();
        for (int t = 0; t < v.size(); t++) {
          boolean inMask = (mask[t >>> 6] & (1L << t)) != 0;
          boolean naive =
              v.isEos(t) ? m.isAccepting() : v.bytes(t) != null && m.acceptsBytes(v.bytes(t));
          assertThat(inMask).as("token %d at step %d", t, step).isEqualTo(naive);
          if (inMask && !v.isEos(t)) {
            allowed.add(t);
          }
        }
        if (allowed.isEmpty()) {
          assertThat(m.isAccepting()).isTrue();
          break;
        }
        int pick = allowed.get(random.nextInt(allowed.size()));
        assertThat(m.commit(pick)).isTrue();
      }
    }
  }

  /** Every single byte, plus JSON-ish fragments (some splitting UTF-8 characters) as tokens. */
  static Vocabulary syntheticVocabulary() {
    Set<String> pieces = new LinkedHashSet<>();
    String sample =
        "{\"name\": \"Bob\", \"age\": 42, \"tags\": [\"a\", \"bc\", null], \"x\": 1.5e-3, "
            + "\"d\": \"2024-02-29\", \"e\": \"ab@cd.com\", \"é\": \"\\u00e9\\n\"}";
    Random r = new Random(3);
    for (int i = 0; i < 300; i++) {
      int a = r.nextInt(sample.length());
      int b = Math.min(sample.length(), a + 1 + r.nextInt(6));
      pieces.add(sample.substring(a, b));
    }
    List<byte[]> tokens = new ArrayList<>();
    tokens.add(null); // EOS, special
    for (int b = 0; b < 256; b++) {
      tokens.add(new byte[] {(byte) b});
    }
    for (String p : pieces) {
      tokens.add(p.getBytes(StandardCharsets.UTF_8));
    }
    byte[] e = "é".getBytes(StandardCharsets.UTF_8);
    tokens.add(new byte[] {'"', e[0]});
    tokens.add(new byte[] {e[1], '"'});
    return Vocabulary.of(tokens.toArray(new byte[0][]), 0);
  }
}
