package org.llmplatform.structured.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmplatform.structured.grammar.Grammar;
import org.llmplatform.structured.vocab.Vocabulary;
import tools.jackson.databind.JsonNode;

/**
 * Calls drawn at random under the grammar (a stand-in for a model that never saw a tool: any token
 * the mask allows) always parse and validate against the call schema (networknt's validator), on a
 * synthetic vocabulary and on real ones: stories260K (SentencePiece, 512 tokens), Llama 3 and Qwen3
 * (byte-level BPE; Qwen's {@code <tool_call>} is one token).
 */
class ToolCallSamplingTest {
  private static final Path REPO = Path.of(System.getProperty("llm.repo.dir", ".."));
  private static final Path SHARED = Path.of(System.getProperty("llm.shared.dir", "../../shared"));
  private static final Schema SCHEMA =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
          .getSchema(ToolCallGrammarTest.CALLS);

  @ParameterizedTest
  @ValueSource(strings = {"synthetic", "stories260K", "llama3", "qwen3"})
  void requiredCallsParseAndValidate(String name) {
    Vocabulary v = vocabulary(name);
    for (boolean parallel : List.of(false, true)) {
      ToolCallFormat f = ToolCallGrammarTest.hermes(true, parallel);
      Grammar g = ToolCallGrammar.compile(ToolCallGrammarTest.CALLS, f);
      for (int seed = 0; seed < 12; seed++) {
        RandomDecoder d = new RandomDecoder(g.matcher(v), v, seed);
        assertThat(d.run(parallel ? 0.5 : 1.0, 3000, () -> false)).as(d.text()).isTrue();
        List<JsonNode> calls = ToolCallText.requiredCalls(d.text(), f);
        assertThat(calls.size()).as(d.text()).isGreaterThanOrEqualTo(1);
        if (!parallel) {
          assertThat(calls).hasSize(1);
        }
        calls.forEach(c -> assertValid(c, d.text()));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"synthetic", "stories260K", "llama3", "qwen3"})
  void lazyCallsFollowFreeTextAndValidate(String name) {
    Vocabulary v = vocabulary(name);
    for (boolean parallel : List.of(false, true)) {
      ToolCallFormat f = ToolCallGrammarTest.hermes(false, parallel);
      Grammar g = ToolCallGrammar.compile(ToolCallGrammarTest.CALLS, f);
      for (int seed = 0; seed < 8; seed++) {
        RandomDecoder d = new RandomDecoder(g.matcher(v), v, seed);
        int calls = parallel ? 2 : 1;
        for (int c = 0; c < calls; c++) {
          int free = d.steps() + 3 + seed;
          // free text (which may open a call by chance), then the opener written, then the call
          d.run(0, 200, () -> d.steps() >= free && d.matcher().isAccepting());
          d.write(f.opener());
          d.run(0, 3000, () -> d.matcher().isAccepting());
        }
        assertThat(d.run(1.0, 1, () -> false)).isTrue();
        List<JsonNode> found = ToolCallText.callsAfterOpeners(d.text(), f);
        assertThat(found.size()).as(d.text()).isGreaterThanOrEqualTo(calls);
        found.forEach(c -> assertValid(c, d.text()));
      }
    }
  }

  private static void assertValid(JsonNode call, String output) {
    assertThat(SCHEMA.validate(call)).as("%s in %s", call, output).isEmpty();
  }

  private static final Map<String, Vocabulary> VOCABULARIES = new ConcurrentHashMap<>();

  private static Vocabulary vocabulary(String name) {
    return VOCABULARIES.computeIfAbsent(name, ToolCallSamplingTest::load);
  }

  private static Vocabulary load(String name) {
    Path tok =
        switch (name) {
          case "synthetic" -> null;
          case "stories260K" -> SHARED.resolve("models/stories260K/tokenizer.json");
          default -> REPO.resolve("model-tools/.cache/tokenizers/" + name + "/tokenizer.json");
        };
    if (tok == null) {
      return ToolCallGrammarTest.toolVocabulary();
    }
    Assumptions.assumeTrue(
        Files.exists(tok),
        name + " tokenizer absent (../shared/models, or model-tools/tokenizer-goldens/fetch.sh)");
    return Vocabulary.fromTokenizerJson(tok);
  }
}
