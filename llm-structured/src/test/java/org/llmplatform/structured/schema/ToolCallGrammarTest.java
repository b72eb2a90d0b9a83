package org.llmplatform.structured.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.llmplatform.structured.grammar.Grammar;
import org.llmplatform.structured.grammar.Matcher;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * The language of tool-call grammars (required and lazy, one call or parallel), the lazy trigger
 * across and inside tokens, and the mask against a naive step on random walks.
 */
class ToolCallGrammarTest {
  private static final Path REPO = Path.of(System.getProperty("llm.repo.dir", ".."));

  /** Two tools, as the gateway writes them for hermes: name and arguments, one object each. */
  static final String CALLS =
      """
      {"anyOf":[
        {"type":"object","properties":{"name":{"const":"get_weather"},
          "arguments":{"type":"object","properties":{"city":{"type":"string","maxLength":8},
            "unit":{"enum":["c","f"]}},"required":["city"],"additionalProperties":false}},
         "required":["name","arguments"],"additionalProperties":false},
        {"type":"object","properties":{"name":{"const":"add"},
          "arguments":{"type":"object","properties":{
            "a":{"type":"integer","minimum":-100,"maximum":100},
            "b":{"type":"integer","minimum":0,"maximum":9}},
           "required":["a","b"],"additionalProperties":false}},
         "required":["name","arguments"],"additionalProperties":false}]}""";

  static final String OPEN = "<tool_call>\n";
  static final String CLOSE = "\n</tool_call>";
  static final String ADD = "{\"name\": \"add\", \"arguments\": {\"a\": -3, \"b\": 4}}";
  static final String WEATHER = "{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}";

  static ToolCallFormat hermes(boolean required, boolean parallel) {
    return new ToolCallFormat(OPEN, CLOSE, required, parallel);
  }

  static String call(String json) {
    return OPEN + json + CLOSE;
  }

  @Test
  void requiredCallIsOpenerJsonCloserAndNothingElse() {
    Grammar g = ToolCallGrammar.compile(CALLS, hermes(true, false));
    assertThat(accepts(g, call(ADD))).isTrue();
    assertThat(accepts(g, call(WEATHER))).isTrue();
    assertThat(accepts(g, call("{\"arguments\":{\"b\":0,\"a\":100},\"name\":\"add\"}")))
        .as("properties in any order")
        .isTrue();
    assertThat(accepts(g, call("{\"name\":\"add\",\"arguments\":{\"city\":\"Paris\"}}")))
        .as("another tool's arguments")
        .isFalse();
    assertThat(accepts(g, call("{\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":10}}"))).isFalse();
    assertThat(accepts(g, call("{\"name\":\"sub\",\"arguments\":{\"a\":1,\"b\":1}}"))).isFalse();
    assertThat(accepts(g, OPEN + ADD)).as("no closer").isFalse();
    assertThat(accepts(g, "Sure. " + call(ADD))).as("text first").isFalse();
    assertThat(accepts(g, call(ADD) + "\n" + call(ADD))).as("a second call").isFalse();
    assertThat(accepts(g, OPEN + " " + ADD + CLOSE)).as("white space around the JSON").isFalse();
    assertThat(accepts(g, call(ADD.replace(": ", ":\n")))).as("one byte between tokens").isTrue();
    assertThat(accepts(g, call(ADD.replace(": ", ":  ")))).as("two bytes").isFalse();
    assertThat(accepts(g, call(ADD.replace("4", "4.0")))).as("an integer as 4.0").isFalse();
    assertThat(accepts(g, "")).isFalse();
    assertThat(g.acceptsPrefix(bytes("<tool_call>\n{\"name\": \"get_weather\""))).isTrue();
  }

  @Test
  void parallelRequiredCallsAreSeparatedByOneNewline() {
    Grammar g = ToolCallGrammar.compile(CALLS, hermes(true, true));
    assertThat(accepts(g, call(ADD))).isTrue();
    assertThat(accepts(g, call(ADD) + "\n" + call(WEATHER) + "\n" + call(ADD))).isTrue();
    assertThat(accepts(g, call(ADD) + call(WEATHER))).isFalse();
    assertThat(accepts(g, call(ADD) + "\n")).isFalse();
    assertThat(accepts(g, call(ADD) + "\nand " + call(ADD))).isFalse();
  }

  @Test
  void withoutOpenerAndCloserACallIsItsJsonAlone() {
    Grammar one = ToolCallGrammar.compile(CALLS, new ToolCallFormat("", "", true, false));
    assertThat(accepts(one, ADD)).isTrue();
    assertThat(accepts(one, ADD + "\n" + ADD)).isFalse();
    Grammar many = ToolCallGrammar.compile(CALLS, new ToolCallFormat("", "", true, true));
    assertThat(accepts(many, ADD + "\n" + WEATHER)).isTrue();
    assertThat(accepts(many, ADD + "\n\n" + WEATHER)).isFalse();
  }

  @Test
  void lazyGrammarIsFreeTextUntilTheOpenerThenACall() {
    Grammar g = ToolCallGrammar.compile(CALLS, hermes(false, false));
    assertThat(accepts(g, "")).isTrue();
    assertThat(accepts(g, "It is sunny <tool in Paris. <tool_call>")).as("no opener yet").isTrue();
    assertThat(accepts(g, "Let me check.\n" + call(WEATHER))).isTrue();
    assertThat(accepts(g, call(WEATHER) + "\nDone.")).as("free text after the call").isTrue();
    assertThat(accepts(g, "x" + OPEN + "{\"name\":\"get_weather\"")).as("unfinished").isFalse();
    assertThat(g.acceptsPrefix(bytes("x" + OPEN + "Paris"))).as("not JSON").isFalse();
    assertThat(g.acceptsPrefix(bytes("<<tool_<tool_call>\n{"))).as("partial matches").isTrue();
    assertThat(g.acceptsPrefix(bytes("<<tool_<tool_call>\nx"))).isFalse();
    assertThat(accepts(g, call(ADD) + " and " + call(WEATHER))).as("one call only").isFalse();
    assertThat(g.acceptsPrefix(bytes(call(ADD) + " and " + OPEN.substring(0, 11)))).isTrue();

    Grammar parallel = ToolCallGrammar.compile(CALLS, hermes(false, true));
    assertThat(accepts(parallel, "a " + call(ADD) + " b " + call(WEATHER) + "\n" + call(ADD)))
        .isTrue();
    assertThat(accepts(parallel, call(ADD) + " b " + OPEN + "{}" + CLOSE)).isFalse();
  }

  @Test
  void lazyCallsNeedAnOpener() {
    assertThatThrownBy(() -> new ToolCallFormat("", "", false, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("opener");
    assertThatThrownBy(() -> ToolCallGrammar.compile("{\"if\":{}}", hermes(true, false)))
        .isInstanceOf(UnsupportedSchemaException.class)
        .hasMessageContaining("'if'");
    assertThatThrownBy(() -> ToolCallGrammar.compile("{", hermes(true, false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schema is not JSON");
  }

  /**
   * The opener split across tokens triggers the grammar, and a token holding the end of the opener
   * and then more is allowed only when those bytes begin a valid call.
   */
  @Test
  void openerSplitAcrossTokensOrSharingATokenWithTheCall() {
    Vocabulary v =
        vocabulary(
            "Hi",
            " ",
            "<to",
            "ol_c",
            "all>",
            "all>\n",
            "all>\n{",
            "all>\nx",
            "all>\n {",
            "<tool_call>\n{\"",
            "<tool_call>\nHi",
            "Hi <tool_call>\n{\"na",
            "\n</tool_call>");
    Matcher m = ToolCallGrammar.compile(CALLS, hermes(false, false)).matcher(v);
    long[] mask = new long[m.maskWords()];
    m.fillMask(mask);
    assertThat(allowed(mask, v, "<tool_call>\n{\"")).isTrue();
    assertThat(allowed(mask, v, "Hi <tool_call>\n{\"na")).isTrue();
    assertThat(allowed(mask, v, "<tool_call>\nHi")).isFalse();
    assertThat(allowed(mask, v, "all>\nx")).as("free text: no opener before it").isTrue();
    assertThat(m.isAccepting()).isTrue();
    for (String t : List.of("Hi", " ", "<to", "ol_c")) {
      assertThat(m.commit(id(v, t))).isTrue();
    }
    m.fillMask(mask);
    assertThat(m.isAccepting()).as("free text may end inside a partial opener").isTrue();
    assertThat(allowed(mask, v, "all>")).isTrue();
    assertThat(allowed(mask, v, "all>\n")).isTrue();
    assertThat(allowed(mask, v, "all>\n{")).isTrue();
    assertThat(allowed(mask, v, "all>\nx")).as("the opener, then not JSON").isFalse();
    assertThat(allowed(mask, v, "all>\n {")).as("no white space before the JSON").isFalse();
    assertThat(m.commit(id(v, "all>\n"))).isTrue();
    assertThat(m.isAccepting()).as("inside the call").isFalse();
    m.fillMask(mask);
    assertThat(allowed(mask, v, "Hi")).isFalse();
    assertThat(allowed(mask, v, "{")).isTrue();
    for (byte b : bytes("{\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":2}}")) {
      assertThat(m.commit(id(v, new byte[] {b}))).isTrue();
    }
    assertThat(m.isAccepting()).isFalse();
    assertThat(m.commit(id(v, "\n</tool_call>"))).isTrue();
    assertThat(m.isAccepting()).isTrue();
  }

  /** Qwen's {@code <tool_call>} is an added token that is not special: it spells its text. */
  @Test
  void qwensToolCallTokenSpellsTheOpener() {
    Path tok = REPO.resolve("model-tools/.cache/tokenizers/qwen3/tokenizer.json");
    Assumptions.assumeTrue(
        Files.exists(tok), "Qwen3 tokenizer absent: run model-tools/tokenizer-goldens/fetch.sh");
    Vocabulary v = Vocabulary.fromTokenizerJson(tok);
    int toolCall = 151657;
    assertThat(new String(v.bytes(toolCall), StandardCharsets.UTF_8)).isEqualTo("<tool_call>");
    assertThat(v.bytes(151645)).as("<|im_end|> is special: spells nothing").isNull();
    assertThat(v.isEos(151645)).isTrue();
    Matcher m = ToolCallGrammar.compile(CALLS, hermes(false, false)).matcher(v);
    long[] mask = new long[m.maskWords()];
    m.fillMask(mask);
    assertThat(mask[toolCall >>> 6] & 1L << toolCall).isNotZero();
    assertThat(m.commit(toolCall)).isTrue();
    m.fillMask(mask);
    assertThat(allowed(mask, v, "\n")).isTrue();
    assertThat(allowed(mask, v, "\n\n")).as("opener, then white space").isFalse();
    assertThat(allowed(mask, v, "Hello")).as("still free text").isTrue();
    assertThat(m.commit(id(v, "\n"))).isTrue();
    m.fillMask(mask);
    for (int t = 0; t < v.size(); t++) {
      if ((mask[t >>> 6] & 1L << t) != 0) {
        assertThat(new String(v.bytes(t), StandardCharsets.UTF_8)).startsWith("{");
      }
    }
    assertThat(allowed(mask, v, "{\"")).isTrue();
  }

  /** Differential: a token is in the mask iff stepping its bytes succeeds; EOS iff accepting. */
  @Test
  void maskMatchesNaiveStepOnRandomWalks() {
    Vocabulary v = toolVocabulary();
    Random random = new Random(5);
    for (ToolCallFormat f :
        List.of(
            hermes(true, false),
            hermes(true, true),
            hermes(false, false),
            hermes(false, true),
            new ToolCallFormat("", "", true, true))) {
      Grammar g = ToolCallGrammar.compile(CALLS, f);
      for (int walk = 0; walk < 8; walk++) {
        Matcher m = g.matcher(v);
        long[] mask = new long[m.maskWords()];
        for (int step = 0; step < 60; step++) {
          m.fillMask(mask);
          List<Integer> in = new ArrayList<>();
          for (int t = 0; t < v.size(); t++) {
            boolean inMask = (mask[t >>> 6] & 1L << t) != 0;
            boolean naive = v.isEos(t) ? m.isAccepting() : m.acceptsBytes(v.bytes(t));
            assertThat(inMask).as("%s token %d step %d", f, t, step).isEqualTo(naive);
            if (inMask && !v.isEos(t)) {
              in.add(t);
            }
          }
          if (in.isEmpty()) {
            break;
          }
          assertThat(m.commit(in.get(random.nextInt(in.size())))).isTrue();
        }
      }
    }
  }

  /** Single bytes, pieces of calls and of the opener/closer (some crossing them), and EOS (0). */
  static Vocabulary toolVocabulary() {
    List<String> pieces = new ArrayList<>();
    String sample = "ok " + call(ADD) + "\n" + call(WEATHER) + " then <tool " + call(WEATHER);
    Random r = new Random(9);
    for (int i = 0; i < 400; i++) {
      int a = r.nextInt(sample.length());
      pieces.add(sample.substring(a, Math.min(sample.length(), a + 1 + r.nextInt(8))));
    }
    return vocabulary(pieces.toArray(new String[0]));
  }

  /** EOS (0, special), the 256 single bytes, then {@code pieces} (repeats spell the same). */
  static Vocabulary vocabulary(String... pieces) {
    List<byte[]> tokens = new ArrayList<>();
    tokens.add(null);
    for (int b = 0; b < 256; b++) {
      tokens.add(new byte[] {(byte) b});
    }
    for (String p : pieces) {
      tokens.add(bytes(p));
    }
    return Vocabulary.of(tokens.toArray(new byte[0][]), 0);
  }

  static int id(Vocabulary v, String piece) {
    return id(v, bytes(piece));
  }

  static int id(Vocabulary v, byte[] piece) {
    for (int t = v.size() - 1; t >= 0; t--) {
      if (Arrays.equals(v.bytes(t), piece)) {
        return t;
      }
    }
    throw new IllegalArgumentException("no token " + Arrays.toString(piece));
  }

  private static boolean allowed(long[] mask, Vocabulary v, String piece) {
    int t = id(v, piece);
    return (mask[t >>> 6] & 1L << t) != 0;
  }

  static boolean accepts(Grammar g, String text) {
    return g.accepts(bytes(text));
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
