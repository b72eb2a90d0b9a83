package org.llmplatform.inference.kvcache;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.llmplatform.inference.runtime.ModelSpec;

/**
 * KV cache in off-heap host memory ({@link KvMemory}). Two sides of blocks per layer and kind: a
 * step reads the past from the current side and ONNX Runtime writes the present straight into the
 * other side (a pinned output), which {@link #commit} makes current; nothing passes through the
 * Java heap. Blocks are reserved for the whole context before serving ({@link #reserve}) or grow,
 * and are reused from step to step. They are never zero-filled: every byte a step reads as the past
 * was written before, by the graph (the whole present) or by {@link #gather} (rows and their left
 * padding). Engine thread only.
 */
public final class HostKvCache implements PinnedKvCache {

  private final OrtEnvironment env;
  private final ModelSpec spec;
  private final int elementBytes;
  // [side][layer * 2 + kind], kind 0 = key, 1 = value; each [rows, kv_heads, past_len, head_dim]
  private final KvBlocks sides;
  private final List<OnnxTensor> bound = new ArrayList<>();
  private int current;
  private int rows;
  private int past;

  /**
   * @param memory host memory for the blocks (owned by the caller)
   */
  public HostKvCache(OrtEnvironment env, ModelSpec spec, KvMemory memory) {
    if (!memory.memoryInfo().isHost()) {
      throw new IllegalArgumentException("pinned outputs need host memory");
    }
    this.env = env;
    this.spec = spec;
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
    closeBound();
    this.rows = rows;
    this.past = 0;
  }

  @Override
  public boolean rightPadded() {
    return false;
  }

  @Override
  public void bind(
      Map<String, OnnxTensorLike> inputs, Map<String, OnnxValue> outputs, int newTokens)
      throws OrtException {
    closeBound();
    int next = 1 - current;
    long[] pastShape = {rows, spec.kvHeads(), past, spec.headDim()};
    long[] presentShape = {rows, spec.kvHeads(), past + newTokens, spec.headDim()};
    long presentBytes = bytes(rows, past + newTokens);
    for (int layer = 0; layer < spec.numLayers(); layer++) {
      for (int kind = 0; kind < 2; kind++) {
        int slot = layer * 2 + kind;
        MemorySegment in = ensure(current, slot, bytes(rows, past));
        MemorySegment out = ensure(next, slot, presentBytes);
        OnnxTensor pastTensor = tensor(in, bytes(rows, past), pastShape);
        OnnxTensor presentTensor = tensor(out, presentBytes, presentShape);
        inputs.put(
            kind == 0 ? spec.names().pastKeys().get(layer) : spec.names().pastValues().get(layer),
            pastTensor);
        outputs.put(
            kind == 0
                ? spec.names().presentKeys().get(layer)
                : spec.names().presentValues().get(layer),
            presentTensor);
      }
    }
  }

  @Override
  public void commit(int newTokens) {
    closeBound();
    current = 1 - current;
    past += newTokens;
  }

  /**
   * Re-packs the batch. When the past length stays the same and the rows kept from this cache stay
   * in order (sequences joining at the end or leaving), the current side is edited in place: only
   * moved and new rows are copied, not the whole batch. Otherwise every row is copied into the
   * other side, left-padded to the new past length.
   */
  @Override
  public void gather(List<KvRow> newRows) {
    closeBound();
    int newPast = 0;
    for (KvRow r : newRows) {
      HostKvCache src = (HostKvCache) r.source();
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
    rows = newRows.size();
    past = newPast;
  }

  // Row i moves down from row >= i, in increasing order, so no source is overwritten before it is
  // read; a row of this cache keeps its whole block (its left padding is masked anyway).
  private void gatherInPlace(List<KvRow> newRows) {
    long rowBytes = bytes(1, past);
    for (int slot = 0; slot < spec.numLayers() * 2; slot++) {
      MemorySegment seg = ensure(current, slot, bytes(newRows.size(), past));
      for (int i = 0; i < newRows.size(); i++) {
        KvRow r = newRows.get(i);
        if (r.source() != this) {
          copyRow(r, slot, seg, i, past);
        } else if (r.row() != i) {
          MemorySegment.copy(seg, r.row() * rowBytes, seg, i * rowBytes, rowBytes);
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
    HostKvCache src = (HostKvCache) r.source();
    MemorySegment from = src.sides.get(src.current, slot);
    int heads = spec.kvHeads();
    long rowHead = (long) spec.headDim() * elementBytes; // bytes of one position of one head
    int pad = dstPast - r.length();
    for (int h = 0; h < heads; h++) {
      long dstBase = ((long) i * heads + h) * dstPast * rowHead;
      long srcBase = (((long) r.row() * heads + h) * src.past + (src.past - r.length())) * rowHead;
      dst.asSlice(dstBase, pad * rowHead).fill((byte) 0);
      MemorySegment.copy(from, srcBase, dst, dstBase + pad * rowHead, r.length() * rowHead);
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

  @Override
  public void close() {
    closeBound();
    sides.close();
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

  // one direct buffer (ORT Java's view of the block) holds at most Integer.MAX_VALUE bytes
  private OnnxTensor tensor(MemorySegment block, long bytes, long[] shape) throws OrtException {
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("KV tensor of " + bytes + " bytes exceeds one direct buffer");
    }
    ByteBuffer view = block.asSlice(0, bytes).asByteBuffer().order(ByteOrder.nativeOrder());
    OnnxTensor t = OnnxTensor.createTensor(env, view, shape, spec.kvType().onnxType());
    bound.add(t);
    return t;
  }

  private void closeBound() {
    bound.forEach(OnnxTensor::close);
    bound.clear();
  }
}
