package org.llmplatform.tokenizer.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.llmplatform.tokenizer.model.TestModels;
import tools.jackson.databind.json.JsonMapper;

/** Model folders made for a test: tiny-llama-gqa's tokenizer with a chat template of its own. */
final class TemplateModels {

  private TemplateModels() {}

  static Path withTemplate(String template) {
    try {
      Path dir = Files.createTempDirectory("template-model");
      dir.toFile().deleteOnExit();
      Files.copy(
          TestModels.tinyLlamaGqa().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
      Files.writeString(
          dir.resolve("tokenizer_config.json"),
          JsonMapper.shared().writeValueAsString(Map.of("chat_template", template)));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code n} user messages, as the request body's {@code messages}. */
  static List<Map<String, Object>> messages(int n) {
    List<Map<String, Object>> messages = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      messages.add(Map.of("role", "user", "content", "m" + i));
    }
    return messages;
  }

  /** Whether some thread is inside the template engine now. */
  static boolean rendering() {
    return Thread.getAllStackTraces().values().stream()
        .flatMap(java.util.Arrays::stream)
        .anyMatch(frame -> frame.getClassName().startsWith("com.hubspot.jinjava"));
  }

  /**
   * Within {@code within} no thread renders a template any more, and none starts again for a
   * second: a thread's stack, not the process's CPU time, which a loaded machine's JIT and GC blur.
   */
  static void assertRenderingStops(java.time.Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (rendering() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    for (int sample = 0; sample < 50; sample++) {
      org.assertj.core.api.Assertions.assertThat(rendering())
          .as("a thread still renders the template")
          .isFalse();
      Thread.sleep(20);
    }
  }
}
