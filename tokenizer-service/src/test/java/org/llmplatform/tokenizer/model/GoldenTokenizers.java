package org.llmplatform.tokenizer.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.llmplatform.tokenizer.template.ChatTemplateRenderer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tokenizers of the goldens ({@code src/test/resources/goldens/<name>.json}) a test class uses,
 * each loaded once and closed after the class's last test. A test class holds one in a static
 * {@code @RegisterExtension} field; a golden whose tokenizer folder is absent skips the test
 * ({@link TestModels#resolve}).
 */
final class GoldenTokenizers implements AfterAllCallback {

  private final ChatTemplateRenderer renderer = new ChatTemplateRenderer();
  private final Map<String, ModelTokenizer> loaded = new HashMap<>();

  /** The tokenizer of golden {@code name}, loaded on first use. */
  ModelTokenizer load(String name) {
    return loaded.computeIfAbsent(
        name,
        n ->
            TokenizerRegistry.load(
                n, TestModels.resolve(golden(n).path("tokenizer").asString()), renderer));
  }

  /** The golden file {@code name}: its tokenizer's location, encodings and chat prompts. */
  static JsonNode golden(String name) {
    try (InputStream in =
        GoldenTokenizers.class.getResourceAsStream("/goldens/" + name + ".json")) {
      if (in == null) {
        throw new IllegalArgumentException("no golden " + name);
      }
      return JsonMapper.shared().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    loaded.values().forEach(ModelTokenizer::close);
    loaded.clear();
  }
}
