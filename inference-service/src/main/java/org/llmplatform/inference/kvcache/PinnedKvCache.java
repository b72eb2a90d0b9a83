package org.llmplatform.inference.kvcache;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import java.util.Map;

/**
 * A KV cache in host memory that binds itself to an ORT Java run: the past as inputs, the present
 * as pinned outputs. {@link HostKvCache} (left-padded rows, past and present apart) and {@link
 * PinnedSharedKvCache} (right-padded rows, one buffer updated in place). Engine thread only.
 */
public interface PinnedKvCache extends KvCache {

  /** Starts an empty cache of {@code rows} rows (past length 0), e.g. before a prefill. */
  void reset(int rows);

  /**
   * Adds the past tensors to {@code inputs} and the present tensors, which hold the past plus
   * {@code newTokens} after the run, to {@code outputs}.
   */
  void bind(Map<String, OnnxTensorLike> inputs, Map<String, OnnxValue> outputs, int newTokens)
      throws OrtException;

  /**
   * Whether a row's tokens come first and its padding last (the attention mask then marks each
   * row's first {@code length + new} positions), rather than padding first.
   */
  boolean rightPadded();
}
