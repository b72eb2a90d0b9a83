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
 * Where tests find the models: ../shared/models (llm.shared.dir), and test-models/ and models/ (the
 * project's committed models) under llm.repo.dir.
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

  /**
   * stories260K (when present), every test-models/* fixture and every committed models/* model (the
   * default chat model as it is served) that has a reference.json.
   */
  public static List<Path> withReference() {
    List<Path> out = new ArrayList<>();
    addSharedIfPresent(out, "stories260K");
    out.addAll(repoModelsWithReference());
    return out;
  }

  /**
   * The models that model-tools exported in the Hugging Face layout (config.json, onnx/model.onnx:
   * test-models/* fixtures, the committed models/*) with a reference.json: those the naive executor
   * reads its weights from (the GenAI layout fixtures' graphs name and lay out their weights
   * otherwise).
   */
  public static List<Path> modelToolsWithReference() {
    return repoModelsWithReference().stream()
        .filter(d -> Files.isRegularFile(d.resolve("config.json")))
        .toList();
  }

  /** test-models/* and models/* with a reference.json. */
  private static List<Path> repoModelsWithReference() {
    List<Path> out = new ArrayList<>();
    Path repo = Path.of(System.getProperty("llm.repo.dir", ".."));
    addWithReference(out, repo.resolve("test-models"));
    addWithReference(out, repo.resolve("models"));
    return out;
  }

  private static void addWithReference(List<Path> models, Path parent) {
    if (!Files.isDirectory(parent)) {
      return;
    }
    try (Stream<Path> dirs = Files.list(parent)) {
      dirs.filter(d -> Files.isRegularFile(d.resolve("reference.json")))
          .sorted()
          .forEach(models::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds ../shared/models/{name} to {@code models} when it is there. */
  public static void addSharedIfPresent(List<Path> models, String name) {
    Path dir = Path.of(System.getProperty("llm.shared.dir", "../../shared"), "models", name);
    if (Files.isDirectory(dir)) {
      models.add(dir);
    }
  }
}
