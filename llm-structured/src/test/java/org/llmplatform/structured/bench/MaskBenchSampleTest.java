package org.llmplatform.structured.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * A sample of MaskBench schemas (one or two per category) through the benchmark's protocol with the
 * Llama 3 tokenizer: every valid instance accepted, every invalid one rejected.
 */
class MaskBenchSampleTest {
  private static final Path REPO = Path.of(System.getProperty("llm.repo.dir", ".."));
  private static final Path SHARED = Path.of(System.getProperty("llm.shared.dir", "../../shared"));
  private static final List<String> SAMPLE =
      List.of(
          "BFCL_java_0.json",
          "BFCL_parallel_multiple_27.json",
          "Github_easy---o10008.json",
          "Github_easy---o10009.json",
          "Github_easy---o64880.json",
          "Github_medium---o71265.json",
          "Github_medium---o21186.json",
          "Github_trivial---o67212.json",
          "JME_10.json",
          "MCPspec---ServerResult.json");

  @Test
  void sampleSchemasPass() throws Exception {
    Path tokenizer = REPO.resolve("model-tools/.cache/tokenizers/llama3/tokenizer.json");
    Path dir = SHARED.resolve("structured-outputs/maskbench");
    Assumptions.assumeTrue(
        Files.exists(tokenizer),
        "Llama 3 tokenizer absent: run model-tools/tokenizer-goldens/fetch.sh");
    Assumptions.assumeTrue(Files.isDirectory(dir), "MaskBench files absent in ../shared");
    Vocabulary vocabulary = Vocabulary.fromTokenizerJson(tokenizer);
    try (HuggingFaceTokenizer tok =
        HuggingFaceTokenizer.newInstance(
            tokenizer,
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"))) {
      int checked = 0;
      for (String name : SAMPLE) {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
          continue;
        }
        SchemaFile f = SchemaFile.read(file);
        List<int[]> tokens = new ArrayList<>();
        for (SchemaFile.Instance t : f.tests()) {
          tokens.add(
              Arrays.stream(tok.encode(t.text(), false, false).getIds())
                  .mapToInt(Math::toIntExact)
                  .toArray());
        }
        FileResult r = new SchemaRun(vocabulary, f, tokens).call();
        assertThat(r.status()).as(name).isEqualTo(FileResult.Status.PASSING);
        checked++;
      }
      assertThat(checked).isGreaterThan(5);
    }
  }
}
