package org.llmplatform.structured.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.llmplatform.structured.schema.SchemaCompiler;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * Every token a mask allows leads somewhere: after it some token, or EOS, is allowed again. A
 * declared key's prefix once that key was seen (and no other key or extra name can follow), or a
 * comma after the last key, was allowed, since the seen bit is checked only at a key's end: a model
 * that wrote {@code {"name":"x","n} could then write nothing.
 */
class NoDeadEndTest {

  static final String CLOSED =
      "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":3},"
          + "\"nickname\":{\"type\":\"string\",\"maxLength\":3},"
          + "\"age\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":9}},"
          + "\"required\":[\"name\",\"age\"],\"additionalProperties\":false}";

  @Test
  void aSeenKeysPrefixIsRefusedWhereNoOtherKeyCanFollow() {
    Grammar g = SchemaCompiler.compile(CLOSED);
    assertThat(g.acceptsPrefix(bytes("{\"name\":\"x\",\"n"))).isTrue(); // nickname
    assertThat(g.acceptsPrefix(bytes("{\"name\":\"x\",\"na"))).isFalse();
    assertThat(g.acceptsPrefix(bytes("{\"age\":1,\"name\":\"x\",\"a"))).isFalse();
    assertThat(g.accepts(bytes("{\"age\":1,\"name\":\"x\",\"nickname\":\"y\"}"))).isTrue();
    // a comma after the last key: no key can follow
    assertThat(g.acceptsPrefix(bytes("{\"age\":1,\"name\":\"x\",\"nickname\":\"y\","))).isFalse();
    assertThat(g.acceptsPrefix(bytes("{\"age\":1,\"name\":\"x\","))).isTrue();
  }

  @Test
  void randomWalksThroughTheMaskNeverEndWithNothingAllowed() {
    Vocabulary v = MaskConsistencyTest.syntheticVocabulary();
    Random random = new Random(11);
    for (String schema : List.of(CLOSED, MaskConsistencyTest.SCHEMAS.getFirst())) {
      Grammar g = SchemaCompiler.compile(schema);
      for (int walk = 0; walk < 200; walk++) {
        Matcher m = g.matcher(v);
        long[] mask = new long[m.maskWords()];
        StringBuilder text = new StringBuilder();
        for (int step = 0; step < 40 && !m.isAccepting(); step++) {
          m.fillMask(mask);
          List<Integer> allowed = new ArrayList<>();
          for (int t = 0; t < v.size(); t++) {
            if ((mask[t >>> 6] & (1L << t)) != 0 && !v.isEos(t)) {
              allowed.add(t);
            }
          }
          assertThat(allowed).as("after %s", text).isNotEmpty();
          int t = allowed.get(random.nextInt(allowed.size()));
          text.append(new String(v.bytes(t), StandardCharsets.UTF_8));
          assertThat(m.commit(t)).isTrue();
        }
      }
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
