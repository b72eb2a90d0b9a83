package org.llmplatform.tokenizer.model;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the tokenizer service ({@code llm.tokenizer.*}).
 *
 * @param models the tokenizers served, by name: {@code llm.tokenizer.models.<name>.dir} is a
 *     Hugging Face model folder with {@code tokenizer.json} (and usually {@code
 *     tokenizer_config.json}); when none is configured, the environment variable {@code
 *     LLM_MODEL_DIR} names the folder of a model called {@code default}
 * @param defaultModel the model used when a request names none; default: the first configured
 * @param maxTextSize the largest text (or rendered prompt) tokenize accepts, in UTF-8 bytes
 * @param maxIds the largest number of ids detokenize accepts
 */
@Validated
@ConfigurationProperties("llm.tokenizer")
public record TokenizerProperties(
    @Valid Map<String, Model> models,
    String defaultModel,
    @NotNull @DefaultValue("1MB") DataSize maxTextSize,
    @Positive @DefaultValue("1048576") int maxIds) {

  public TokenizerProperties {
    models = models == null ? Map.of() : new LinkedHashMap<>(models);
  }

  /**
   * One tokenizer.
   *
   * @param dir the model folder (tokenizer.json, tokenizer_config.json, generation_config.json)
   */
  public record Model(@NotNull Path dir) {}
}
