package org.llmplatform.inference.engine;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.inference.kvcache.KvCache;
import org.llmplatform.inference.kvcache.KvCache.KvRow;

/**
 * Where each decoding sequence sits in the batch KV cache: sequences in row order, each over {@code
 * rows()} consecutive rows (one, or one per beam). The only code that places rows: a joining
 * request's prompt is copied into new rows at the end, and after a decode step the batch is
 * re-packed (finished sequences dropped, beams re-parented) with one {@link KvCache#gather}, or not
 * at all when every row stays where it is. Engine thread only.
 */
final class BatchLayout {

  private final KvCache cache;
  private final List<ActiveRequest> sequences = new ArrayList<>();
  private int[] offsets = new int[0]; // per sequence: its first row

  BatchLayout(KvCache cache) {
    this.cache = cache;
  }

  /** The batch KV cache. */
  KvCache cache() {
    return cache;
  }

  /** Sequences decoding, in row order. */
  List<ActiveRequest> sequences() {
    return sequences;
  }

  boolean isEmpty() {
    return sequences.isEmpty();
  }

  /** Rows of the batch (beams count one each). */
  int rows() {
    return cache.rows();
  }

  /** First row of the i-th sequence. */
  int offset(int i) {
    return offsets[i];
  }

  /** Rows of the i-th sequence as placed (before a step changes its beams). */
  int rowsOf(int i) {
    return (i + 1 < offsets.length ? offsets[i + 1] : rows()) - offsets[i];
  }

  /**
   * The decode step's inputs, per row: the token fed, its position and the row's valid KV tokens.
   */
  void stepInputs(int[] tokens, int[] positions, int[] kvLengths) {
    for (int i = 0; i < sequences.size(); i++) {
      ActiveRequest a = sequences.get(i);
      for (int r = 0; r < a.rows(); r++) {
        tokens[offsets[i] + r] = a.lastTokens[r];
        positions[offsets[i] + r] = a.kvLength;
        kvLengths[offsets[i] + r] = a.kvLength;
      }
    }
  }

  /**
   * Appends {@code joining} (choices of one request, their first tokens taken) after the running
   * rows, each of their rows a copy of the prompt's KV, row 0 of {@code prompt}.
   */
  void join(List<ActiveRequest> joining, KvCache prompt, int promptLength) {
    List<KvRow> layout = new ArrayList<>();
    for (int i = 0; i < sequences.size(); i++) {
      ActiveRequest a = sequences.get(i);
      for (int r = 0; r < a.rows(); r++) {
        layout.add(new KvRow(cache, offsets[i] + r, a.kvLength));
      }
    }
    for (ActiveRequest a : joining) {
      for (int r = 0; r < a.rows(); r++) {
        layout.add(new KvRow(prompt, 0, promptLength));
      }
    }
    cache.gather(layout);
    sequences.addAll(joining);
    renumber();
  }

  /**
   * After a decode step: sequence i's new rows are copies of its rows {@code parents[i]} (one per
   * new row; the identity for a sampled sequence); sequences no longer decoding leave. Gathers only
   * when a row moves.
   */
  void repack(int[][] parents) {
    List<KvRow> layout = new ArrayList<>();
    List<ActiveRequest> kept = new ArrayList<>();
    boolean identity = true;
    for (int i = 0; i < sequences.size(); i++) {
      ActiveRequest a = sequences.get(i);
      if (a.state != RequestState.DECODING) {
        identity = false;
        continue;
      }
      kept.add(a);
      for (int parent : parents[i]) {
        int source = offsets[i] + parent;
        identity &= source == layout.size();
        layout.add(new KvRow(cache, source, a.kvLength));
      }
      identity &= parents[i].length == rowsOf(i);
    }
    if (identity) {
      return;
    }
    cache.gather(layout);
    sequences.clear();
    sequences.addAll(kept);
    renumber();
  }

  /** Drops every row. */
  void clear() {
    sequences.clear();
    offsets = new int[0];
    cache.clear();
  }

  private void renumber() {
    offsets = new int[sequences.size()];
    int offset = 0;
    for (int i = 0; i < sequences.size(); i++) {
      offsets[i] = offset;
      offset += sequences.get(i).rows();
    }
  }
}
