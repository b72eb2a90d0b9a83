package org.llmplatform.structured.regex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.structured.grammar.Grammar;

class TextGrammarsTest {

  private static boolean accepts(Grammar g, String s) {
    return g.accepts(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void regexMatchesTheWholeText() {
    Grammar g = TextGrammars.regex("^(yes|no)-[0-9]{2,3}\\.?$");
    assertThat(accepts(g, "yes-12")).isTrue();
    assertThat(accepts(g, "no-123.")).isTrue();
    assertThat(accepts(g, "maybe-12")).isFalse();
    assertThat(accepts(g, "yes-1")).isFalse();
    assertThat(accepts(TextGrammars.regex("[^a-c]+é"), "xyzé")).isTrue();
    assertThat(accepts(TextGrammars.regex("\\w+"), "naïve")).isTrue();
  }

  @Test
  void choiceIsOneOfTheStrings() {
    Grammar g = TextGrammars.choice(List.of("red", "green", "gr"));
    assertThat(accepts(g, "green")).isTrue();
    assertThat(accepts(g, "gr")).isTrue();
    assertThat(accepts(g, "gre")).isFalse();
  }

  @Test
  void refusesWhatItCannotMatchExactly() {
    assertThatThrownBy(() -> RegexParser.parse("(?i)abc"))
        .isInstanceOf(RegexUnsupportedException.class);
    assertThatThrownBy(() -> RegexParser.parse("(a)\\1"))
        .isInstanceOf(RegexUnsupportedException.class);
    assertThatThrownBy(() -> RegexParser.parse("a(?!b)"))
        .isInstanceOf(RegexUnsupportedException.class);
  }
}
