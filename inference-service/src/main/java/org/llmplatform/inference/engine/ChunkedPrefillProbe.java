package org.llmplatform.inference.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks once, before the engine starts, that the model accepts a multi-token chunk on top of a
 * past: chunked prefill and prefix reuse both need it. Some exported graphs do not (ONNX Runtime
 * GenAI's builds its attention mask for either a whole prompt or one new token per step, and its
 * Expand fails on anything else); such a model is served with whole-prompt prefill instead of
 * failing every prompt longer than a chunk.
 */
final class ChunkedPrefillProbe {

  private static final Logger log = LoggerFactory.getLogger(ChunkedPrefillProbe.class);

  private ChunkedPrefillProbe() {}

  /**
   * Prefills a 3-token prompt in one pass and as chunks [0, 1) + [1, 3), on the executor's prefill
   * cache: true when both run and give the same last logits (within fp16 rounding).
   */
  static boolean chunksOnTopOfPast(ModelExecutor executor) {
    if (!executor.prefillsInChunks()) {
      return false;
    }
    int token = executor.spec().bosId() != null ? executor.spec().bosId() : 0;
    int[] prompt = {token, token, token};
    int vocab = executor.spec().vocabSize();
    float[] whole = new float[vocab];
    float[] chunked = new float[vocab];
    try {
      executor.prefill(prompt, whole);
      executor.prefillChunk(prompt, 0, 1, chunked);
      executor.prefillChunk(prompt, 1, prompt.length, chunked);
    } catch (Exception e) {
      log.warn(
          "The model cannot prefill a chunk on top of a past ({}): prompts are prefilled whole and"
              + " prefix reuse is off",
          e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip());
      return false;
    }
    for (int i = 0; i < vocab; i++) {
      if (!(Math.abs(chunked[i] - whole[i]) <= 1e-2f * (1 + Math.abs(whole[i])))) {
        log.warn(
            "The model's logits after a chunked prefill differ from one pass (logit {}: {} vs {}):"
                + " prompts are prefilled whole and prefix reuse is off",
            i,
            chunked[i],
            whole[i]);
        return false;
      }
    }
    return true;
  }
}
