package org.llmplatform.inference.naive;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.llmplatform.inference.kvcache.KvCache;

/**
 * The naive executor's "KV cache": each row holds the tokens whose keys and values a real cache
 * would hold, since the naive forward pass recomputes them from the tokens every step. It gathers,
 * pads and commits like the real caches, so the engine cannot tell them apart: a row that the
 * engine mislays holds the wrong tokens and the tokens that follow are wrong.
 */
public final class TokenKvCache implements KvCache {

  private final List<int[]> rows = new ArrayList<>();
  private int gathers;

  @Override
  public int rows() {
    return rows.size();
  }

  @Override
  public int pastLength() {
    int past = 0;
    for (int[] row : rows) {
      past = Math.max(past, row.length);
    }
    return past;
  }

  /** Row {@code row}'s tokens. */
  public int[] tokens(int row) {
    return rows.get(row);
  }

  /** Makes row {@code row} hold {@code tokens}. */
  void set(int row, int[] tokens) {
    rows.set(row, tokens);
  }

  /** One row of {@code tokens}, nothing else. */
  public void reset(int... tokens) {
    rows.clear();
    rows.add(tokens.clone());
  }

  /** {@link #gather} calls so far. */
  public int gathers() {
    return gathers;
  }

  /** The naive executor appends each row's token itself; nothing to swap. */
  @Override
  public void commit(int newTokens) {}

  @Override
  public void gather(List<KvRow> newRows) {
    gathers++;
    List<int[]> next = new ArrayList<>();
    for (KvRow r : newRows) {
      TokenKvCache source = (TokenKvCache) r.source();
      int[] tokens = source.rows.get(r.row());
      if (r.length() > tokens.length) {
        throw new IllegalArgumentException(
            "row " + r.row() + " holds " + tokens.length + " tokens, not " + r.length());
      }
      next.add(Arrays.copyOf(tokens, r.length()));
    }
    rows.clear();
    rows.addAll(next);
  }

  @Override
  public void clear() {
    rows.clear();
  }

  @Override
  public void close() {}
}
