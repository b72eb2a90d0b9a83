package org.llmplatform.inference.kvcache;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.llmplatform.inference.runtime.ModelSpec;

/**
 * KV cache updated in place, for graphs whose attention writes the new keys and values into the
 * past at each row's length ({@link ModelSpec#sharedKvBuffer()}: ONNX Runtime's
 * GroupQueryAttention). Per layer and kind one block [rows, kv_heads, capacity, head_dim] is bound
 * as both the past input and the present output, so a step copies no cache at all, where a graph
 * that concatenates past and new into a fresh present copies the whole cache every step. Rows are
 * right-padded: row i's tokens sit at positions [0, length), and the graph attends to each row's
 * own length. A cache that runs is laid out for the whole context, so positions never move; one
 * that only keeps rows (prefix reuse) is as long as its longest row. A second side is allocated
 * only when a re-pack cannot run in place (rows reordered or repeated, as in beam search).
 *
 * <p>Blocks live in a {@link KvMemory}. This class is the layout; binding is its subclasses':
 * {@link PinnedSharedKvCache} (host blocks as ORT Java pinned outputs) and {@link
 * BoundSharedKvCache} (host or device blocks through IoBinding). Engine thread only.
 */
public abstract sealed class SharedKvCache implements KvCache
    permits PinnedSharedKvCache, BoundSharedKvCache {

  final ModelSpec spec;
  final KvMemory memory;
  private final int elementBytes;
  private final int minCapacity;
  // [side][layer * 2 + kind], kind 0 = key, 1 = value; each [rows, kv_heads, capacity, head_dim]
  private final KvBlocks sides;
  private final int[] capacity = new int[2]; // positions per row and head, per side
  private final long[] shape = new long[4];
  private int current;
  private int rows;
  private int past;

  /**
   * @param minCapacity positions per row to lay out at least: the context length for a cache that
   *     runs, 0 for one that only keeps rows
   */
  SharedKvCache(ModelSpec spec, KvMemory memory, int minCapacity) {
    this.spec = spec;
    this.memory = memory;
    this.elementBytes = spec.kvType().bytes();
    this.minCapacity = minCapacity;
    this.sides = new KvBlocks(memory, spec.numLayers() * 2, true);
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int pastLength() {
    return past;
  }

  /** Rows are right-padded: a row's tokens first, its padding after. */
  public boolean rightPadded() {
    return true;
  }

  /** Starts an empty cache of {@code rows} rows (past length 0), e.g. before a prefill. */
  public void reset(int rows) {
    closeBound();
    this.rows = rows;
    this.past = 0;
  }

  /**
   * Before a run: room for {@code newTokens} more in every row, blocks allocated, {@link #shape()}
   * set. Returns the bytes of each block to bind.
   */
  long prepare(int newTokens) {
    closeBound();
    if (past + newTokens > capacity[current] || capacity[current] < minCapacity) {
      relayout(past + newTokens);
    }
    int cap = capacity[current];
    shape[0] = rows;
    shape[1] = spec.kvHeads();
    shape[2] = cap;
    shape[3] = spec.headDim();
    long bytes = bytes(rows, cap);
    for (int slot = 0; slot < spec.numLayers() * 2; slot++) {
      ensure(current, slot, bytes);
    }
    return bytes;
  }

  @Override
  public void commit(int newTokens) {
    closeBound();
    past += newTokens;
  }

  /**
   * Re-packs the batch. Rows kept from this cache in order (sequences joining at the end or
   * leaving) are edited in place: only moved and new rows are copied, each its own tokens only.
   * Otherwise every row is copied into the other side.
   */
  @Override
  public void gather(List<KvRow> newRows) {
    closeBound();
    int newPast = 0;
    for (KvRow r : newRows) {
      SharedKvCache src = (SharedKvCache) r.source();
      if (r.row() >= src.rows || r.length() > src.past) {
        throw new IllegalArgumentException("row " + r + " is outside its cache");
      }
      newPast = Math.max(newPast, r.length());
    }
    int cap = Math.max(minCapacity, newPast);
    if (rows > 0 && capacity[current] >= cap && KvRow.gathersInPlace(this, newRows)) {
      copyRows(current, newRows, capacity[current], true);
    } else {
      copyRows(1 - current, newRows, Math.max(cap, capacity[1 - current]), false);
      current = 1 - current;
    }
    memory.synchronize();
    rows = newRows.size();
    past = newPast;
  }

  @Override
  public void reserve(int rows) {
    if (this.rows == 0) {
      capacity[current] = Math.max(minCapacity, capacity[current]);
    }
    long bytes = bytes(rows, capacity[current]);
    for (int slot = 0; slot < spec.numLayers() * 2; slot++) {
      sides.reserve(current, slot, bytes, bytes(this.rows, capacity[current]));
    }
  }

  /** Lays the current rows out again with room for {@code length} positions each. */
  private void relayout(int length) {
    List<KvRow> same = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      same.add(new KvRow(this, i, past));
    }
    copyRows(1 - current, same, Math.max(minCapacity, length), false);
    current = 1 - current;
    memory.synchronize();
  }

  // In place, row i moves down from row >= i, in increasing order, so no source is overwritten
  // before it is read. Only a row's own tokens are copied: the graph never reads past them.
  private void copyRows(int side, List<KvRow> newRows, int cap, boolean inPlace) {
    capacity[side] = cap;
    long rowHead = (long) spec.headDim() * elementBytes; // bytes of one position of one head
    int heads = spec.kvHeads();
    for (int slot = 0; slot < spec.numLayers() * 2; slot++) {
      MemorySegment dst = ensure(side, slot, bytes(newRows.size(), cap));
      for (int i = 0; i < newRows.size(); i++) {
        KvRow r = newRows.get(i);
        SharedKvCache src = (SharedKvCache) r.source();
        if (r.length() == 0 || (inPlace && src == this && r.row() == i)) {
          continue;
        }
        MemorySegment from = src.sides.get(src.current, slot);
        int srcCap = src.capacity[src.current];
        for (int h = 0; h < heads; h++) {
          long srcBase = ((long) r.row() * heads + h) * srcCap * rowHead;
          long dstBase = ((long) i * heads + h) * cap * rowHead;
          memory.copy(from, srcBase, dst, dstBase, r.length() * rowHead);
        }
      }
    }
  }

  @Override
  public void clear() {
    reset(0);
  }

  /** Frees the blocks (the memory itself belongs to the executor). */
  @Override
  public void close() {
    closeBound();
    sides.close();
  }

  /**
   * The bound shape of each block, [rows, kv_heads, capacity, head_dim], after {@link #prepare}.
   */
  long[] shape() {
    return shape;
  }

  /** The current block of one layer's keys (kind 0) or values (kind 1). */
  MemorySegment block(int layer, int kind) {
    return sides.get(current, layer * 2 + kind);
  }

  String pastName(int layer, int kind) {
    return kind == 0 ? spec.names().pastKeys().get(layer) : spec.names().pastValues().get(layer);
  }

  String presentName(int layer, int kind) {
    return kind == 0
        ? spec.names().presentKeys().get(layer)
        : spec.names().presentValues().get(layer);
  }

  private long bytes(int rows, int positions) {
    return (long) rows * spec.kvHeads() * positions * spec.headDim() * elementBytes;
  }

  // the current side's rows survive growth
  private MemorySegment ensure(int side, int slot, long bytes) {
    return sides.ensure(side, slot, bytes, side == current ? bytes(rows, capacity[side]) : 0);
  }

  /** Releases what the last bind made (tensors over the blocks), if anything. */
  void closeBound() {}
}
