package org.llmplatform.inference.kvcache;

import java.util.List;

/**
 * The KV cache of one batch: per layer, keys and values of every row, padded to a common past
 * length (the longest row). Layout per layer: [rows, kv_heads, past_len, head_dim]. A step reads
 * the past and writes the present (past + new tokens) in native memory; {@link #commit} makes the
 * present the next past. Implementations: {@link HostKvCache} (pinned outputs through ORT Java) and
 * {@link BoundKvCache} (ONNX Runtime's IoBinding, host or device memory), left-padded, and {@link
 * SharedKvCache} (either binding; right-padded rows in one buffer the graph updates in place, for
 * graphs that allow it); each binds itself to a run.
 */
public interface KvCache extends AutoCloseable {

  /** Rows (sequences) in the batch. */
  int rows();

  /** Common past length of all rows (the longest row; shorter rows are padded). */
  int pastLength();

  /** After a successful run: the present becomes the past, now {@code pastLength() + newTokens}. */
  void commit(int newTokens);

  /**
   * Re-packs the batch: row i becomes {@code rows.get(i)} (a row of this cache or of another one of
   * the same kind, e.g. a fresh prefill), padded to the longest; rows not named are dropped.
   */
  void gather(List<KvRow> rows);

  /** Empties the cache (no rows). */
  void clear();

  /**
   * Lays out room for {@code rows} rows of the whole context before serving, so that no step
   * allocates. Grown while serving, a cache would allocate fresh memory and copy its past in the
   * middle of the step that first reaches a longer past. {@link SharedKvCache} also pages the room
   * in (its rows write all over it); the left-padded caches leave it untouched, and the OS maps its
   * pages as steps first write them. Caches that grow with their sequences do nothing here.
   */
  default void reserve(int rows) {}

  @Override
  void close();

  /**
   * One row to gather.
   *
   * @param source cache holding the row
   * @param row row index in {@code source}
   * @param length valid tokens of the row, all of them (at the end of a left-padded row, at the
   *     start of a right-padded one)
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
