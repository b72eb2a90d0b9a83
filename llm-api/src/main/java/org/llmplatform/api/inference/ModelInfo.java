package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Response of {@code GET /v1/internal/model}.
 *
 * @param name model name
 * @param vocabSize vocabulary size
 * @param contextLength tokens per sequence (prompt + generated)
 * @param layers decoder layers
 * @param kvHeads key/value heads
 * @param headDim head size
 * @param dtype KV cache / logits element type: float32 or float16
 * @param eosIds ids that end generation
 * @param device execution provider in use: cpu or cuda
 */
public record ModelInfo(
    @JsonProperty("name") String name,
    @JsonProperty("vocab_size") int vocabSize,
    @JsonProperty("context_length") int contextLength,
    @JsonProperty("layers") int layers,
    @JsonProperty("kv_heads") int kvHeads,
    @JsonProperty("head_dim") int headDim,
    @JsonProperty("dtype") String dtype,
    @JsonProperty("eos_ids") List<Integer> eosIds,
    @JsonProperty("device") String device) {
  public ModelInfo {
    eosIds = List.copyOf(eosIds);
  }
}
