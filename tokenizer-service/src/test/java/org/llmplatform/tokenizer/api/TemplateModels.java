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
}
