package org.llmplatform.inference.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * ONNX Runtime GenAI's layout: {@code genai_config.json} names the graph file, its inputs and
 * outputs (the KV ones as patterns over the layer index) under {@code model.decoder}, holds the
 * sizes there, the context length under {@code model} and the generation defaults under {@code
 * search}, with {@code search.past_present_share_buffer} for the graphs that update their KV cache
 * in place ({@link ModelSpec#sharedKvBuffer()}).
 */
record GenAiLayout() implements ModelLayout {

  static final String CONFIG = "genai_config.json";

  @Override
  public ModelLayoutReader.ModelFiles locate(Path dir) {
    Path configFile = dir.resolve(CONFIG);
    JsonNode config = ModelLayoutReader.read(configFile);
    String filename = config.path("model").path("decoder").path("filename").asString("model.onnx");
    Path onnx = dir.resolve(filename);
    if (!Files.isRegularFile(onnx)) {
      throw new ModelLayoutException(configFile + " names " + filename + ", which is missing");
    }
    return new ModelLayoutReader.ModelFiles(dir, onnx, config, this, config.path("search"));
  }

  @Override
  public Names names(JsonNode config, Set<String> inputs, Set<String> outputs) {
    JsonNode dec = config.path("model").path("decoder");
    JsonNode in = dec.path("inputs");
    JsonNode out = dec.path("outputs");
    int layers = dec.path("num_hidden_layers").asInt(0);
    return new Names(
        in.path("input_ids").asString("input_ids"),
        in.path("attention_mask").asString("attention_mask"),
        in.path("position_ids").asString("position_ids"),
        in.path("seqlens_k").asString("seqlens_k"),
        in.path("total_sequence_length").asString("total_sequence_length"),
        out.path("logits").asString("logits"),
        perLayer(in.path("past_key_names").asString("past_key_values.%d.key"), layers),
        perLayer(in.path("past_value_names").asString("past_key_values.%d.value"), layers),
        perLayer(out.path("present_key_names").asString("present.%d.key"), layers),
        perLayer(out.path("present_value_names").asString("present.%d.value"), layers));
  }

  @Override
  public JsonNode sizes(JsonNode config) {
    return config.path("model").path("decoder");
  }

  @Override
  public JsonNode model(JsonNode config) {
    return config.path("model");
  }

  @Override
  public int contextLength(JsonNode config, JsonNode generationConfig) {
    return config.path("model").path("context_length").asInt(0);
  }

  /**
   * {@code search.past_present_share_buffer}: ONNX Runtime GenAI's model builder sets it for the
   * decoders whose attention is GroupQueryAttention, which it has update one max-length
   * past/present buffer in place over right-padded rows.
   */
  @Override
  public boolean sharedKvBuffer(JsonNode config) {
    JsonNode flag = config.path("search").path("past_present_share_buffer");
    if (flag.isMissingNode() || flag.isNull()) {
      return false;
    }
    if (!flag.isBoolean()) {
      throw new ModelLayoutException(
          CONFIG + ": search.past_present_share_buffer must be true or false, not " + flag);
    }
    return flag.asBoolean();
  }

  private static List<String> perLayer(String format, int layers) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      out.add(format.formatted(i));
    }
    return out;
  }
}
