package org.llmplatform.inference.kvcache;

import ai.onnxruntime.OrtException;
import org.llmplatform.inference.runtime.OrtIoBinding;

/**
 * A KV cache in host or device memory ({@link KvMemory}) that binds itself to a run through ONNX
 * Runtime's IoBinding. {@link BoundKvCache} (left-padded rows, past and present apart) and {@link
 * BoundSharedKvCache} (right-padded rows, one buffer updated in place). Engine thread only.
 */
public interface IoBoundKvCache extends KvCache {

  /** Starts an empty cache of {@code rows} rows (past length 0), e.g. before a prefill. */
  void reset(int rows);

  /**
   * Binds the past as inputs and the present, which holds the past plus {@code newTokens} after the
   * run, as outputs of the next run.
   */
  void bind(OrtIoBinding binding, int newTokens) throws OrtException;

  /** As {@link PinnedKvCache#rightPadded()}. */
  boolean rightPadded();
}
