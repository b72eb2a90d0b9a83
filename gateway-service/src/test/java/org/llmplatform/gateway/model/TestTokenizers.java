package org.llmplatform.gateway.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Real tokenizers for tests: the project's byte-level BPE test model and, where ../shared has it,
 * stories260K (SentencePiece BPE with byte fallback). Encoding (ids for a text) goes through the
 * same library, as tokenizer-service does it.
 */
public final class TestTokenizers {

  private TestTokenizers() {}

  /** test-models/tiny-llama-gqa: byte-level BPE (GPT-2 style), no space clean-up. */
  public static Path tinyLlamaGqa() {
    return require(
        Path.of(System.getProperty("llm.repo.dir", ".."), "test-models/tiny-llama-gqa"),
        "the project's test models are absent");
  }

  /** stories260K from the shared models: SentencePiece with byte fallback. Skips when absent. */
  public static Path stories260K() {
    return require(
        Path.of(System.getProperty("llm.shared.dir", "../../shared"), "models/stories260K"),
        "SKIPPED: the shared models are absent (set -Dllm.shared.dir)");
  }

  public static TokenDecoder decoder(Path dir, boolean cleansUpSpaces) {
    try {
      String config = Files.readString(dir.resolve("config.json"));
      var vocabSize =
          java.util.regex.Pattern.compile("\"vocab_size\"\\s*:\\s*(\\d+)").matcher(config);
      if (!vocabSize.find()) {
        throw new IllegalStateException("no vocab_size in " + dir.resolve("config.json"));
      }
      return TokenDecoder.load(
          Files.readAllBytes(dir.resolve("tokenizer.json")),
          cleansUpSpaces,
          Integer.parseInt(vocabSize.group(1)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The ids of {@code text}, without special tokens. */
  public static List<Integer> encode(Path dir, String text) {
    try (var tokenizer =
        HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"), Map.of())) {
      return Arrays.stream(tokenizer.encode(text, false, false).getIds())
          .mapToInt(Math::toIntExact)
          .boxed()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path require(Path dir, String why) {
    Path normalized = dir.toAbsolutePath().normalize();
    assumeTrue(Files.isRegularFile(normalized.resolve("tokenizer.json")), () -> why + ": " + dir);
    return normalized;
  }
}
