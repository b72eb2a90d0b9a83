package org.llmplatform.tokenizer.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.llmplatform.api.error.InvalidFieldException;
import org.llmplatform.tokenizer.template.ChatTemplateRenderer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/** The configured tokenizers, loaded at start-up, by name. */
@Component
public class TokenizerRegistry implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(TokenizerRegistry.class);

  private final Map<String, ModelTokenizer> models = new LinkedHashMap<>();
  private final String defaultModel;

  public TokenizerRegistry(TokenizerProperties properties) {
    Map<String, TokenizerProperties.Model> configured = new LinkedHashMap<>(properties.models());
    String fromEnv = System.getenv("LLM_MODEL_DIR");
    if (configured.isEmpty() && fromEnv != null && !fromEnv.isBlank()) {
      configured.put("default", new TokenizerProperties.Model(Path.of(fromEnv)));
    }
    if (configured.isEmpty()) {
      throw new IllegalStateException(
          "no tokenizer configured: set llm.tokenizer.models.<name>.dir (or LLM_MODEL_DIR)");
    }
    ChatTemplateRenderer renderer = new ChatTemplateRenderer(properties.renderLimits());
    configured.forEach((name, model) -> models.put(name, load(name, model.dir(), renderer)));
    defaultModel =
        properties.defaultModel() != null
            ? properties.defaultModel()
            : models.keySet().iterator().next();
    if (!models.containsKey(defaultModel)) {
      throw new IllegalStateException(
          "llm.tokenizer.default-model '" + defaultModel + "' is not among " + models.keySet());
    }
    log.info("Tokenizers {} loaded; default {}", models.keySet(), defaultModel);
  }

  /** Loads one model folder (used by the registry and by tests). */
  public static ModelTokenizer load(String name, Path dir, ChatTemplateRenderer renderer) {
    try {
      ModelFolder folder = ModelFolder.read(dir);
      HuggingFaceTokenizer tokenizer =
          HuggingFaceTokenizer.builder()
              .optTokenizerPath(dir.resolve("tokenizer.json"))
              .optAddSpecialTokens(true)
              .optTruncation(false)
              .optPadding(false)
              .build();
      log.info(
          "Tokenizer {}: {} ids, chat template from {}, from {}",
          name,
          folder.vocabulary().size(),
          folder.chatTemplates().fromModel() ? "the model" : "the default",
          dir);
      return new ModelTokenizer(name, tokenizer, folder, renderer);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load tokenizer " + name + " from " + dir, e);
    }
  }

  /**
   * The named model, or the default one for null.
   *
   * @throws InvalidFieldException for an unknown name
   */
  public ModelTokenizer get(String name) {
    ModelTokenizer model = models.get(name == null ? defaultModel : name);
    if (model == null) {
      throw new InvalidFieldException(
          "model", "unknown model '" + name + "': this service has " + models.keySet());
    }
    return model;
  }

  @Override
  public void destroy() {
    models.values().forEach(ModelTokenizer::close);
  }
}
