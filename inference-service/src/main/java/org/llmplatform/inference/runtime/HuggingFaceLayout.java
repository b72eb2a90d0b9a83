package org.llmplatform.inference.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Hugging Face optimum's layout: {@code config.json} (transformers' names), an optional {@code
 * generation_config.json}, the graph at one of the usual paths with fixed input names and KV inputs
 * and outputs {@code past_key_values.N.key} / {@code present.N.key} found in the graph.
 */
record HuggingFaceLayout() implements ModelLayout {

  static final List<String> GRAPHS =
      List.of(
          "onnx/model.onnx",
          "onnx/decoder_model_merged.onnx",
          "model.onnx",
          "decoder_model_merged.onnx");

  @Override
  public ModelLayoutReader.ModelFiles locate(Path dir) {
    Path config = dir.resolve("config.json");
    if (!Files.isRegularFile(config)) {
      throw new ModelLayoutException(
          dir + " has neither config.json (Hugging Face layout) nor " + GenAiLayout.CONFIG);
    }
    Path onnx =
        GRAPHS.stream()
            .map(dir::resolve)
            .filter(Files::isRegularFile)
            .findFirst()
            .orElseThrow(
                () ->
                    new ModelLayoutException(dir + " has no decoder graph; looked for " + GRAPHS));
    Path gen = dir.resolve("generation_config.json");
    JsonNode generation =
        Files.isRegularFile(gen) ? ModelLayoutReader.read(gen) : ModelLayoutReader.emptyObject();
    return new ModelLayoutReader.ModelFiles(
        dir, onnx, ModelLayoutReader.read(config), this, generation);
  }

  @Override
  public Names names(JsonNode config, Set<String> inputs, Set<String> outputs) {
    return new Names(
        "input_ids",
        "attention_mask",
        "position_ids",
        "seqlens_k",
        "total_sequence_length",
        "logits",
        indexed(inputs, Pattern.compile("past_key_values\\.(\\d+)\\.key")),
        indexed(inputs, Pattern.compile("past_key_values\\.(\\d+)\\.value")),
        indexed(outputs, Pattern.compile("present\\.(\\d+)\\.key")),
        indexed(outputs, Pattern.compile("present\\.(\\d+)\\.value")));
  }

  @Override
  public JsonNode sizes(JsonNode config) {
    return config;
  }

  @Override
  public JsonNode model(JsonNode config) {
    return config;
  }

  @Override
  public int contextLength(JsonNode config, JsonNode generationConfig) {
    return config
        .path("max_position_embeddings")
        .asInt(config.path("n_positions").asInt(generationConfig.path("max_length").asInt(0)));
  }

  @Override
  public boolean sharedKvBuffer(JsonNode config) {
    return config.path("past_present_share_buffer").asBoolean(false);
  }

  /** The names matching {@code pattern}, by their layer index, which must run 0 to n - 1. */
  private static List<String> indexed(Set<String> names, Pattern pattern) {
    var byIndex = new TreeMap<Integer, String>();
    for (String name : names) {
      Matcher m = pattern.matcher(name);
      if (m.matches()) {
        byIndex.put(Integer.parseInt(m.group(1)), name);
      }
    }
    if (!byIndex.isEmpty() && byIndex.lastKey() != byIndex.size() - 1) {
      throw new ModelLayoutException(
          "layer indices of " + pattern + " are not 0.." + (byIndex.size() - 1));
    }
    return List.copyOf(byIndex.values());
  }
}
