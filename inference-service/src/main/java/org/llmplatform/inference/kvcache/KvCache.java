package org.llmplatform.inference.kvcache;

import java.util.List;

/**
 * The KV cache of one batch: per layer, keys and values of every row, left-padded to a common past
 * length. Layout per layer: [rows, kv_heads, past_len, head_dim]. A step reads the past and writes
 * the present (past + new tokens) in native memory; {@link #commit} makes the present the next
 * past. Implementations: {@link HostKvCache} (pinned outputs through ORT Java) and {@link
 * BoundKvCache} (ONNX Runtime's IoBinding, host or device memory); each binds itself to a run.
 */
public interface KvCache extends AutoCloseable {

  /** Rows (sequences) in the batch. */
  int rows();

  /** Common past length of all rows (the longest row; shorter rows are left-padded). */
  int pastLength();

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

    /**
     * Whether {@code cache} can take {@code newRows} in place: its own rows appear in increasing
     * order, each at or before its old index, so moving row by row down never overwrites a row
     * before it is read.
     */
    static boolean gathersInPlace(KvCache cache, List<KvRow> newRows) {
      int last = -1;
      for (int i = 0; i < newRows.size(); i++) {
        KvRow r = newRows.get(i);
        if (r.source() == cache) {
          if (r.row() <= last || r.row() < i) {
            return false;
          }
          last = r.row();
        }
      }
      return true;
    }
  }
}
