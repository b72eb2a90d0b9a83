package org.llmplatform.inference;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where tests find the models: ../shared/models (llm.shared.dir) and test-models/ (llm.repo.dir).
 */
public final class TestModels {

  private TestModels() {}

  public static Path shared(String name) {
    Path dir = Path.of(System.getProperty("llm.shared.dir", "../../shared"), "models", name);
    assumeTrue(Files.isDirectory(dir), "shared model " + dir + " is absent: skipping");
    return dir;
  }

  public static Path stories260K() {
    return shared("stories260K");
  }

  /** stories260K (when present) and every test-models/* fixture that has a reference.json. */
  public static List<Path> withReference() {
    List<Path> out = new ArrayList<>();
    addSharedIfPresent(out, "stories260K");
    Path fixtures = Path.of(System.getProperty("llm.repo.dir", ".."), "test-models");
    if (Files.isDirectory(fixtures)) {
      try (Stream<Path> dirs = Files.list(fixtures)) {
        dirs.filter(d -> Files.isRegularFile(d.resolve("reference.json")))
            .sorted()
            .forEach(out::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /**
   * The test-models/* fixtures with a reference.json in model-tools' Hugging Face export
   * (config.json, onnx/model.onnx): the ones the naive Llama reads its weights from (the GenAI
   * layout fixtures' graphs name and lay out their weights otherwise).
   */
  public static List<Path> huggingFaceFixtures() {
    return withReference().stream()
        .filter(d -> d.getParent().getFileName().toString().equals("test-models"))
        .filter(d -> Files.isRegularFile(d.resolve("config.json")))
        .toList();
  }

  /** Adds ../shared/models/{name} to {@code models} when it is there. */
  public static void addSharedIfPresent(List<Path> models, String name) {
    Path dir = Path.of(System.getProperty("llm.shared.dir", "../../shared"), "models", name);
    if (Files.isDirectory(dir)) {
      models.add(dir);
    }
  }
}
