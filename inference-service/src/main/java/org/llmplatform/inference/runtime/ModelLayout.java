package org.llmplatform.inference.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * How a model folder lays out its decoder: where the graph is, which config names its inputs and
 * outputs and holds its sizes. One reader per layout: {@link HuggingFaceLayout} (optimum's export,
 * {@code config.json}) and {@link GenAiLayout} (ONNX Runtime GenAI, {@code genai_config.json});
 * {@link ModelLayoutReader} checks the graph against what the layout says.
 */
sealed interface ModelLayout permits HuggingFaceLayout, GenAiLayout {

  /** The layout of {@code dir}: GenAI when it has genai_config.json, else Hugging Face. */
  static ModelLayout of(Path dir) {
    return Files.isRegularFile(dir.resolve(GenAiLayout.CONFIG))
        ? new GenAiLayout()
        : new HuggingFaceLayout();
  }

  /** The graph and config files; a {@link ModelLayoutException} names what is missing. */
  ModelLayoutReader.ModelFiles locate(Path dir);

  /**
   * The graph's input and output names as the layout gives them (the KV names for {@code layers}
   * layers where the config declares them), checked against the graph by the reader.
   *
   * @param inputs the graph's input names
   * @param outputs the graph's output names
   */
  Names names(JsonNode config, Set<String> inputs, Set<String> outputs);

  /** The config node with num_attention_heads, num_key_value_heads, head_dim, num_hidden_layers. */
  JsonNode sizes(JsonNode config);

  /** The config node with vocab_size, eos_token_id and bos_token_id. */
  JsonNode model(JsonNode config);

  /** Tokens a sequence may hold, or 0 when the config does not say. */
  int contextLength(JsonNode config, JsonNode generationConfig);

  /** Whether the graph updates its KV cache in place (see {@link ModelSpec#sharedKvBuffer()}). */
  boolean sharedKvBuffer(JsonNode config);

  /**
   * Graph names a layout declares; {@code positionIds} may be absent from the graph (the reader
   * then drops it), and so may {@code attentionMask} where the graph takes GroupQueryAttention's
   * {@code seqlensK} and {@code totalSequenceLength} instead (the reader checks which it has).
   */
  record Names(
      String inputIds,
      String attentionMask,
      String positionIds,
      String seqlensK,
      String totalSequenceLength,
      String logits,
      List<String> pastKeys,
      List<String> pastValues,
      List<String> presentKeys,
      List<String> presentValues) {}
}
