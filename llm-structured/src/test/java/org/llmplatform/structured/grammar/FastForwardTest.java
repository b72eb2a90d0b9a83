package org.llmplatform.structured.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;
import org.llmplatform.structured.schema.SchemaCompiler;
import org.llmplatform.structured.vocab.Vocabulary;

class FastForwardTest {

  @Test
  void appendsTheForcedTokensAndCountsThem() {
    Grammar g =
        SchemaCompiler.compile(
            "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"integer\"}},"
                + "\"required\":[\"answer\"],\"additionalProperties\":false}");
    Vocabulary v = MaskConsistencyTest.syntheticVocabulary();
    Matcher m = g.matcher(v);
    assertThat(m.commit(token(v, "{"))).isTrue();
    int[] forced = m.fastForward();
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    for (int t : forced) {
      text.writeBytes(v.bytes(t));
    }
    // after '{' white space may come, so nothing is forced yet; after the key's quote it is
    assertThat(forced).isEmpty();
    assertThat(m.commit(token(v, "\""))).isTrue();
    forced = m.fastForward();
    for (int t : forced) {
      text.writeBytes(v.bytes(t));
    }
    assertThat(text.toString()).isNotEmpty();
    assertThat("answer\"".startsWith(text.toString())).isTrue();
    assertThat(m.fastForwardedTokens()).isEqualTo(forced.length);
  }

  private static int token(Vocabulary v, String s) {
    for (int t = 0; t < v.size(); t++) {
      if (v.bytes(t) != null && new String(v.bytes(t)).equals(s)) {
        return t;
      }
    }
    throw new AssertionError("no token " + s);
  }
}
