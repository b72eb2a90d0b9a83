package org.llmplatform.inference.kvcache;

import ai.onnxruntime.OrtException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.inference.runtime.OrtIoBinding;
import org.llmplatform.inference.runtime.OrtIoBinding.ElementType;

/**
 * KV cache in native memory the engine owns — host or device ({@link KvMemory}) — bound to the
 * graph through ONNX Runtime's IoBinding. Two sides of blocks per layer and kind: a step binds the
 * past on the current side as {@code past_key_values.*} and the other side as the pre-allocated
 * {@code present.*} output, which {@link #commit} makes current. On CUDA the cache never leaves the
 * device. Blocks only grow and are reused from step to step. Engine thread only.
 *
 * <p>Why two sides and not one buffer updated in place: most exported graphs compute {@code present
 * = Concat(past, new, axis=2)}, a fresh [rows, kv_heads, past + seq, head_dim] tensor whose row
 * stride differs from the past's, so the present cannot alias the past (see the module README).
 * Graphs that write into their past in place get a {@link SharedKvCache}.
 */
public final class BoundKvCache implements IoBoundKvCache {

  private final ModelSpec spec;
  private final KvMemory memory;
  private final ElementType elementType;
  private final int elementBytes;
  // [side][layer * 2 + kind], kind 0 = key, 1 = value; each [rows, kv_heads, past_len, head_dim]
  private final KvBlocks sides;
  private final long[] pastShape = new long[4];
  private final long[] presentShape = new long[4];
  private int current;
  private int rows;
  private int past;

  public BoundKvCache(ModelSpec spec, KvMemory memory) {
    this.spec = spec;
    this.memory = memory;
    this.elementType = ElementType.of(spec.kvType());
    this.elementBytes = spec.kvType().bytes();
    this.sides = new KvBlocks(memory, spec.numLayers() * 2, false);
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
  public void reset(int rows) {
    this.rows = rows;
    this.past = 0;
  }

  @Override
  public boolean rightPadded() {
    return false;
  }

  /**
   * Binds the past (current side) as inputs and the present of past + {@code newTokens} (other
   * side) as outputs of the next run.
   */
  @Override
  public void bind(OrtIoBinding binding, int newTokens) throws OrtException {
    int next = 1 - current;
    setShape(pastShape, past);
    setShape(presentShape, past + newTokens);
    long pastBytes = bytes(rows, past);
    long presentBytes = bytes(rows, past + newTokens);
    var names = spec.names();
    var where = memory.memoryInfo();
    for (int layer = 0; layer < spec.numLayers(); layer++) {
      for (int kind = 0; kind < 2; kind++) {
        int slot = layer * 2 + kind;
        MemorySegment in = ensure(current, slot, pastBytes);
        MemorySegment out = ensure(next, slot, presentBytes);
        binding.bindInput(
            kind == 0 ? names.pastKeys().get(layer) : names.pastValues().get(layer),
            where,
            in,
            pastBytes,
            elementType,
            pastShape);
        binding.bindOutput(
            kind == 0 ? names.presentKeys().get(layer) : names.presentValues().get(layer),
            where,
            out,
            presentBytes,
            elementType,
            presentShape);
      }
    }
  }

  @Override
  public void commit(int newTokens) {
    current = 1 - current;
    past += newTokens;
  }

  /**
   * Re-packs the batch. When the past length stays the same and the rows kept from this cache stay
   * in order (sequences joining at the end or leaving), the current side is edited in place: only
   * moved and new rows are copied. Otherwise every row is copied into the other side, left-padded
   * to the new past length. (The same policy as {@link HostKvCache}.)
   */
  @Override
  public void gather(List<KvRow> newRows) {
    int newPast = 0;
    for (KvRow r : newRows) {
      BoundKvCache src = (BoundKvCache) r.source();
      if (r.row() >= src.rows || r.length() > src.past) {
        throw new IllegalArgumentException("row " + r + " is outside its cache");
      }
      newPast = Math.max(newPast, r.length());
    }
    if (rows > 0 && newPast == past && KvRow.gathersInPlace(this, newRows)) {
      gatherInPlace(newRows);
    } else {
      gatherInto(1 - current, newRows, newPast);
      current = 1 - current;
    }
    memory.synchronize();
    rows = newRows.size();
    past = newPast;
  }

  // Row i moves down from row >= i, in increasing order, so no source is overwritten before it is
  // read; a row of this cache keeps its whole block (its left padding is masked anyway).
  private void gatherInPlace(List<KvRow> newRows) {
    long rowBytes = bytes(1, past);
    for (int slot = 0; slot < spec.numLayers() * 2; slot++) {
      MemorySegment block = ensure(current, slot, bytes(newRows.size(), past));
      for (int i = 0; i < newRows.size(); i++) {
        KvRow r = newRows.get(i);
        if (r.source() != this) {
          copyRow(r, slot, block, i, past);
        } else if (r.row() != i) {
          memory.copy(block, r.row() * rowBytes, block, i * rowBytes, rowBytes);
        }
      }
    }
  }

  private void gatherInto(int side, List<KvRow> newRows, int newPast) {
    for (int slot = 0; slot < spec.numLayers() * 2; slot++) {
      MemorySegment dst = ensure(side, slot, bytes(newRows.size(), newPast));
      for (int i = 0; i < newRows.size(); i++) {
        copyRow(newRows.get(i), slot, dst, i, newPast);
      }
    }
  }

  /** Copies row {@code r} into row {@code i} of {@code dst} (past {@code dstPast}), left-padded. */
  private void copyRow(KvRow r, int slot, MemorySegment dst, int i, int dstPast) {
    BoundKvCache src = (BoundKvCache) r.source();
    MemorySegment from = src.sides.get(src.current, slot);
    int heads = spec.kvHeads();
    long rowHead = (long) spec.headDim() * elementBytes; // bytes of one position of one head
    int pad = dstPast - r.length();
    for (int h = 0; h < heads; h++) {
      long dstBase = ((long) i * heads + h) * dstPast * rowHead;
      long srcBase = (((long) r.row() * heads + h) * src.past + (src.past - r.length())) * rowHead;
      memory.zero(dst, dstBase, pad * rowHead);
      memory.copy(from, srcBase, dst, dstBase + pad * rowHead, r.length() * rowHead);
    }
  }

  @Override
  public void clear() {
    reset(0);
  }

  /**
   * Lays out both sides for {@code rows} rows of the whole context, untouched: the memory's pages
   * are mapped as steps first write them, a few per step, instead of a whole doubled block zeroed
   * and copied in the step that first reaches a longer past.
   */
  @Override
  public void reserve(int rows) {
    sides.reserveAll(bytes(rows, spec.contextLength()), current, bytes(this.rows, past));
  }

  /** Frees the blocks (the memory itself belongs to the executor). */
  @Override
  public void close() {
    sides.close();
  }

  private void setShape(long[] shape, int length) {
    shape[0] = rows;
    shape[1] = spec.kvHeads();
    shape[2] = length;
    shape[3] = spec.headDim();
  }

  private long bytes(int rows, int length) {
    return (long) rows * spec.kvHeads() * length * spec.headDim() * elementBytes;
  }

  private MemorySegment ensure(int side, int slot, long bytes) {
    return sides.ensure(side, slot, bytes, live(side));
  }

  /** Bytes of {@code side} that hold the live past (none on the other side). */
  private long live(int side) {
    return side == current ? bytes(rows, past) : 0;
  }
}
