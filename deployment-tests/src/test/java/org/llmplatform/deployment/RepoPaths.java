package org.llmplatform.deployment;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository and the test resources are, for tests that read deployment files. */
final class RepoPaths {

  private RepoPaths() {}

  /** The repository root: {@code llm.repo.dir} (set by surefire), else the parent of the module. */
  static Path root() {
    String configured = System.getProperty("llm.repo.dir");
    Path root = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath().getParent();
    if (!Files.isRegularFile(root.resolve("mvnw"))) {
      throw new IllegalStateException("not the repository root: " + root);
    }
    return root.toAbsolutePath().normalize();
  }

  static Path testResource(String name) {
    try {
      return Path.of(RepoPaths.class.getClassLoader().getResource(name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("missing test resource " + name, e);
    }
  }
}
