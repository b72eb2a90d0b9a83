package org.llmplatform.inference;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the inference service ({@code llm.*}).
 *
 * @param model the model to serve
 * @param inference the engine and ONNX Runtime
 */
@ConfigurationProperties("llm")
@Validated
public record InferenceProperties(
    @Valid @NotNull Model model, @Valid @NotNull Inference inference) {

  /**
   * @param dir model directory (Hugging Face layout with config.json, or ONNX Runtime GenAI layout
   *     with genai_config.json); env LLM_MODEL_DIR
   */
  public record Model(@NotBlank String dir) {}

  /**
   * @param device execution provider: cpu, cuda (falls back to CPU with a warning) or cuda-required
   *     (fails at start-up without CUDA)
   * @param intraOpThreads ONNX Runtime threads inside one operator; 0 = ONNX Runtime's default (all
   *     cores)
   * @param interOpThreads ONNX Runtime threads across operators; 0 = ONNX Runtime's default
   * @param optimizationLevel ONNX Runtime graph optimisation: none, basic, extended or all
   * @param allowSpinning whether idle ONNX Runtime intra-op threads spin-wait (fastest on cores of
   *     its own) or sleep (the default: far faster when other processes share the cores)
   * @param maxBatchSize sequences decoded together in one step (each beam counts as one)
   * @param maxQueue requests that may wait for admission; one more is refused with 429 overloaded
   * @param kvCacheBytes KV cache budget; each sequence reserves layers × 2 × kv_heads × context ×
   *     head_dim × dtype bytes
   * @param prefillChunk prompt tokens prefilled per engine iteration, between decode steps, so a
   *     long prompt does not stall the running streams; 0 prefills each prompt in one pass
   * @param prefixCacheBytes KV kept of finished sequences (LRU) so that a prompt starting with one
   *     (the next turn of a conversation) prefills only the rest; 0 turns prefix reuse off
   * @param kvBinding how the KV cache is bound to the graph: pinned (host buffers as ORT Java's
   *     pinned outputs) or iobinding (ONNX Runtime's IoBinding through the C API; on CUDA the cache
   *     stays in device memory)
   * @param maxChoices choices (n) one generate request may ask for (its prompt is prefilled once
   *     and shared by all); a larger n is refused with 400
   */
  public record Inference(
      @DefaultValue("cpu") @Pattern(regexp = "cpu|cuda|cuda-required") String device,
      @DefaultValue("0") @Min(0) int intraOpThreads,
      @DefaultValue("0") @Min(0) int interOpThreads,
      @DefaultValue("all") @Pattern(regexp = "none|basic|extended|all") String optimizationLevel,
      @DefaultValue("false") boolean allowSpinning,
      @DefaultValue("16") @Min(1) int maxBatchSize,
      @DefaultValue("64") @Min(1) int maxQueue,
      @DefaultValue("256MB") @NotNull DataSize kvCacheBytes,
      @DefaultValue("64") @Min(0) int prefillChunk,
      @DefaultValue("64MB") @NotNull DataSize prefixCacheBytes,
      @DefaultValue("pinned") @Pattern(regexp = "pinned|iobinding") String kvBinding,
      @DefaultValue("8") @Min(1) int maxChoices) {}
}
