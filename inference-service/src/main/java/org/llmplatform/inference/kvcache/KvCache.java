package org.llmplatform.inference.kvcache;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import java.util.List;
import java.util.Map;

/**
 * The KV cache of one batch: per layer, keys and values of every row, left-padded to a common past
 * length. Layout per layer: [rows, kv_heads, past_len, head_dim]. A step reads the past and writes
 * the present (past + new tokens) in native memory; {@link #commit} makes the present the next
 * past. This host implementation is {@link HostKvCache}; a device-resident IoBinding backend can
 * replace it.
 */
public interface KvCache extends AutoCloseable {

  /** Rows (sequences) in the batch. */
  int rows();

  /** Common past length of all rows (the longest row; shorter rows are left-padded). */
  int pastLength();

  /**
   * Adds the past tensors to {@code inputs} and pinned present tensors of past + {@code newTokens}
   * to {@code outputs}, for the next run.
   */
  void bind(Map<String, OnnxTensorLike> inputs, Map<String, OnnxValue> outputs, int newTokens)
      throws OrtException;

  /** After a successful run: the present becomes the past, now {@code pastLength() + newTokens}. */
  void commit(int newTokens);

  /**
   * Re-packs the batch: row i becomes {@code rows.get(i)} (a row of this cache or of another one of
   * the same kind, e.g. a fresh prefill), left-padded to the longest; rows not named are dropped.
   */
  void gather(List<KvRow> rows);

  /** Empties the cache (no rows). */
  void clear();

  @Override
  void close();

  /**
   * One row to gather.
   *
   * @param source cache holding the row
   * @param row row index in {@code source}
   * @param length valid tokens of the row (at the right end of the past)
   */
  record KvRow(KvCache source, int row, int length) {
    public KvRow {
      if (row < 0 || length < 0) {
        throw new IllegalArgumentException("row and length must be >= 0");
      }
    }
  }
}
