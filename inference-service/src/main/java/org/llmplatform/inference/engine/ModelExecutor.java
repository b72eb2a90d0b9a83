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
   * One decode step for every row of {@link #batchCache()}: row i feeds {@code tokens[i]} at
   * position {@code positions[i]}, with {@code kvLengths[i]} valid past tokens (left-padded to the
   * batch's past length). Commits the new KV.
   *
   * @param logits out: [rows][vocab], fp32
   */
  void decode(int[] tokens, int[] positions, int[] kvLengths, float[][] logits) throws Exception;

  @Override
  void close();
}
