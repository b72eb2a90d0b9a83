package org.llmplatform.inference.engine;

import org.llmplatform.inference.kvcache.KvCache;
import org.llmplatform.inference.runtime.ModelSpec;

/**
 * Runs the decoder: prefill of one prompt and batched decode steps over a batch KV cache. Engine
 * thread only.
 */
public interface ModelExecutor extends AutoCloseable {

  ModelSpec spec();

  /** Name of the device in use (cpu, cuda). */
  String device();

  /** KV cache of the running batch. */
  KvCache batchCache();

  /** KV cache of the last prefill: one row holding the whole prompt. */
  KvCache prefillCache();

  /**
   * Runs the whole prompt in one pass from an empty cache into {@link #prefillCache()}.
   *
   * @param promptIds token ids
   * @param lastLogits out: the last position's logits, [vocab], as fp32
   */
  void prefill(int[] promptIds, float[] lastLogits) throws Exception;

  /**
   * Whether {@link #prefillChunk} runs any chunk (for models whose graph accepts it: the engine
   * checks once); when not, the engine prefills prompts in one pass and keeps no prefixes.
   */
  default boolean prefillsInChunks() {
    return false;
  }

  /**
   * Runs prompt tokens {@code [from, to)} on top of the {@code from} tokens already in {@link
   * #prefillCache()} (from 0: an empty cache), so that a long prompt is prefilled in chunks between
   * decode steps. The chunks of a prompt give the same cache and last logits as one {@link
   * #prefill} of it. This default runs whole prompts only (see {@link #prefillsInChunks()}).
   *
   * @param lastLogits out: the logits of position {@code to - 1}, [vocab], as fp32
   */
  default void prefillChunk(int[] promptIds, int from, int to, float[] lastLogits)
      throws Exception {
    if (from != 0 || to != promptIds.length) {
      throw new UnsupportedOperationException(
          getClass().getSimpleName()
              + " prefills whole prompts only; set llm.inference.prefill-chunk=0");
    }
    prefill(promptIds, lastLogits);
  }

  /**
   * One decode step for every row of {@link #batchCache()}: row i feeds {@code tokens[i]} at
   * position {@code positions[i]}, with {@code kvLengths[i]} valid past tokens (padded to the
   * batch's past length, on the side its cache keeps padding). Commits the new KV.
   *
   * @param logits out: [rows][vocab], fp32
   */
  void decode(int[] tokens, int[] positions, int[] kvLengths, float[][] logits) throws Exception;

  /**
   * A new, empty cache of the same kind as {@link #batchCache()} (rows of one can be gathered into
   * the other), e.g. to keep a finished sequence's KV for prefix reuse. This default has none.
   */
  default KvCache newKvCache() {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " makes no spare caches");
  }

  @Override
  void close();
}
