package org.llmplatform.inference.naive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sizes of a Llama decoder, from its config.json (Hugging Face names); {@code fp16}: its KV
 * cache and logits are stored as float16 (the arithmetic runs in float32).
 */
record LlamaConfig(
    int vocabSize,
    int hidden,
    int intermediate,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    int contextLength,
    double rmsNormEps,
    double ropeTheta,
    boolean fp16) {

  static LlamaConfig read(Path modelDir) throws IOException {
    JsonNode c =
        JsonMapper.builder().build().readTree(Files.readString(modelDir.resolve("config.json")));
    int hidden = c.path("hidden_size").asInt();
    int heads = c.path("num_attention_heads").asInt();
    return new LlamaConfig(
        c.path("vocab_size").asInt(),
        hidden,
        c.path("intermediate_size").asInt(),
        c.path("num_hidden_layers").asInt(),
        heads,
        c.path("num_key_value_heads").asInt(heads),
        c.path("head_dim").asInt(hidden / heads),
        c.path("max_position_embeddings").asInt(),
        c.path("rms_norm_eps").asDouble(1e-5),
        c.path("rope_theta").asDouble(10000),
        c.path("torch_dtype").asString("float32").equals("float16"));
  }

  int qWidth() {
    return heads * headDim;
  }

  int kvWidth() {
    return kvHeads * headDim;
  }
}
