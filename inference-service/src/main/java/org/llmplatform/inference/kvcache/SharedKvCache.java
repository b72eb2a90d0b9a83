package org.llmplatform.inference.kvcache;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.inference.runtime.OrtIoBinding;
import org.llmplatform.inference.runtime.OrtIoBinding.ElementType;

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
 * <p>Blocks live in a {@link KvMemory}: host memory bound as ORT Java pinned outputs ({@link
 * #bind(Map, Map, int)}), or host or device memory bound through IoBinding ({@link
 * #bind(OrtIoBinding, int)}). Engine thread only.
 */
public final class SharedKvCache implements PinnedKvCache, IoBoundKvCache {

  private final ModelSpec spec;
  private final KvMemory memory;
  private final OrtEnvironment env;
  private final ElementType elementType;
  private final int elementBytes;
  private final int minCapacity;
  // [side][layer * 2 + kind], kind 0 = key, 1 = value; each [rows, kv_heads, capacity, head_dim]
  private final KvBlocks sides;
  private final int[] capacity = new int[2]; // positions per row and head, per side
  private final long[] shape = new long[4];
  private final List<OnnxTensor> bound = new ArrayList<>();
  private int current;
  private int rows;
  private int past;

  /**
   * @param env for ORT Java tensors over host blocks ({@link #bind(Map, Map, int)}); null when the
   *     cache is only bound through IoBinding
   * @param minCapacity positions per row to lay out at least: the context length for a cache that
   *     runs, 0 for one that only keeps rows
   */
  public SharedKvCache(ModelSpec spec, KvMemory memory, OrtEnvironment env, int minCapacity) {
    this.spec = spec;
    this.memory = memory;
    this.env = env;
    this.elementType = ElementType.of(spec.kvType());
    this.elementBytes = spec.kvType().bytes();
    this.minCapacity = minCapacity;
    this.sides = new KvBlocks(memory, spec.numLayers() * 2);
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int pastLength() {
    return past;
  }

  @Override
  public boolean rightPadded() {
    return true;
  }

  @Override
  public void reset(int rows) {
    closeBound();
    this.rows = rows;
    this.past = 0;
  }

  /** Binds each block as a tensor over host memory, as both the past input and the present. */
  @Override
  public void bind(
      Map<String, OnnxTensorLike> inputs, Map<String, OnnxValue> outputs, int newTokens)
      throws OrtException {
    if (!memory.memoryInfo().isHost()) {
      throw new IllegalStateException("pinned outputs need host memory; bind through IoBinding");
    }
    long bytes = prepare(newTokens);
    for (int layer = 0; layer < spec.numLayers(); layer++) {
      for (int kind = 0; kind < 2; kind++) {
        MemorySegment block = sides.get(current, layer * 2 + kind);
        inputs.put(pastName(layer, kind), tensor(block, bytes));
        outputs.put(presentName(layer, kind), tensor(block, bytes));
      }
    }
  }

  /** Binds each block (host or device) as both the past input and the present output. */
  @Override
  public void bind(OrtIoBinding binding, int newTokens) throws OrtException {
    long bytes = prepare(newTokens);
    var where = memory.memoryInfo();
    for (int layer = 0; layer < spec.numLayers(); layer++) {
      for (int kind = 0; kind < 2; kind++) {
        MemorySegment block = sides.get(current, layer * 2 + kind);
        binding.bindInput(pastName(layer, kind), where, block, bytes, elementType, shape);
        binding.bindOutput(presentName(layer, kind), where, block, bytes, elementType, shape);
      }
    }
  }

  // Room for newTokens more in every row, blocks allocated; sets the bound shape. Bytes bound.
  private long prepare(int newTokens) {
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
      ensure(current, slot, bytes);
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

  private String pastName(int layer, int kind) {
    return kind == 0 ? spec.names().pastKeys().get(layer) : spec.names().pastValues().get(layer);
  }

  private String presentName(int layer, int kind) {
    return kind == 0
        ? spec.names().presentKeys().get(layer)
        : spec.names().presentValues().get(layer);
  }

  private long bytes(int rows, int positions) {
    return (long) rows * spec.kvHeads() * positions * spec.headDim() * elementBytes;
  }

  private MemorySegment ensure(int side, int slot, long bytes) {
    return sides.ensure(side, slot, bytes, side == current); // live rows survive growth
  }

  private OnnxTensor tensor(MemorySegment block, long bytes) throws OrtException {
    var view = block.asSlice(0, bytes).asByteBuffer().order(ByteOrder.nativeOrder());
    OnnxTensor t = OnnxTensor.createTensor(env, view, shape, spec.kvType().onnxType());
    bound.add(t);
    return t;
  }

  private void closeBound() {
    bound.forEach(OnnxTensor::close);
    bound.clear();
  }
}
