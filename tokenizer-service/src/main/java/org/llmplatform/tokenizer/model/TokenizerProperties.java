package org.llmplatform.tokenizer.model;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.llmplatform.tokenizer.template.RenderLimits;
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
 * @param template the limits of one chat template render
 */
@Validated
@ConfigurationProperties("llm.tokenizer")
public record TokenizerProperties(
    @Valid Map<String, Model> models,
    String defaultModel,
    @NotNull @DefaultValue("1MB") DataSize maxTextSize,
    @Positive @DefaultValue("1048576") int maxIds,
    @Valid @NotNull @DefaultValue Template template) {

  public TokenizerProperties {
    models = models == null ? Map.of() : new LinkedHashMap<>(models);
  }

  /**
   * Limits of one chat template render; past one the request is answered 400. The rendered prompt
   * is also bounded by {@code max-text-size}, checked while rendering.
   *
   * @param renderTimeout wall time of one render (default 2s)
   * @param maxLoopIterations loop iterations of one render, all loops together (default 1000000)
   */
  public record Template(
      @NotNull @DefaultValue("2s") Duration renderTimeout,
      @Positive @DefaultValue("1000000") long maxLoopIterations) {}

  /** The render limits these properties give. */
  public RenderLimits renderLimits() {
    return new RenderLimits(
        template.renderTimeout(), maxTextSize.toBytes(), template.maxLoopIterations());
  }

  /**
   * One tokenizer.
   *
   * @param dir the model folder (tokenizer.json, tokenizer_config.json, generation_config.json)
   */
  public record Model(@NotNull Path dir) {}
}
