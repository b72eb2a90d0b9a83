package org.llmplatform.inference.engine;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import ai.onnxruntime.OrtException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import org.llmplatform.inference.kvcache.BoundKvCache;
import org.llmplatform.inference.kvcache.BoundSharedKvCache;
import org.llmplatform.inference.kvcache.CudaKvMemory;
import org.llmplatform.inference.kvcache.HostKvMemory;
import org.llmplatform.inference.kvcache.IoBoundKvCache;
import org.llmplatform.inference.kvcache.KvCache;
import org.llmplatform.inference.kvcache.KvMemory;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.Device;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.inference.runtime.OrtIoBinding;
import org.llmplatform.inference.runtime.OrtIoBinding.ElementType;
import org.llmplatform.inference.runtime.OrtMemoryInfo;
import org.llmplatform.inference.runtime.TensorType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ModelExecutor} that runs the session through ONNX Runtime's IoBinding (C API over FFM,
 * {@link OrtIoBinding}): the KV cache lives in a {@link BoundKvCache} in the session's device
 * memory — host on the CPU, device memory on CUDA, where it never crosses PCIe — and only ids, mask
 * and positions go in and the logits come out through host memory. The same tokens and logits as
 * {@link OnnxModelExecutor} (pinned outputs through ORT Java). Selected by {@code
 * llm.inference.kv-binding=iobinding}. Engine thread only.
 */
public final class IoBindingModelExecutor implements ModelExecutor {

  private static final Logger log = LoggerFactory.getLogger(IoBindingModelExecutor.class);

  private final DecoderSession session;
  private final ModelSpec spec;
  private final OrtIoBinding binding;
  private final OrtMemoryInfo host;
  private final KvMemory kvMemory;
  private final IoBoundKvCache batch;
  private final IoBoundKvCache prefill;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment useCacheTrue = arena.allocateFrom(JAVA_BYTE, (byte) 1);
  private final MemorySegment useCacheFalse = arena.allocateFrom(JAVA_BYTE, (byte) 0);
  private final long[] shape2 = new long[2];
  private final long[] shape3 = new long[3];
  private static final long[] SHAPE_ONE = {1};
  private static final long[] SHAPE_SCALAR = {};
  private final long[] shape1 = new long[1];
  // GroupQueryAttention's total_sequence_length where the graph takes it, int32
  private final MemorySegment total = arena.allocate(JAVA_INT);
  // int64 [rows, seq] ids and positions, [rows, past + seq] mask; logits [rows, seq, vocab];
  // int32 [rows] seqlens_k (a graph taking GroupQueryAttention's row lengths instead of a mask)
  // reallocated when they grow (rarely, doubling); an automatic arena frees the old ones without
  // the thread handshake that closing a shared arena makes
  private Arena buffers = Arena.ofAuto();
  private MemorySegment ids = buffers.allocate(64);
  private MemorySegment positions = buffers.allocate(64);
  private MemorySegment mask = buffers.allocate(64);
  private MemorySegment seqlensK = buffers.allocate(64);
  private MemorySegment logits = buffers.allocate(64);

  public IoBindingModelExecutor(DecoderSession session) throws OrtException {
    this(session, session.deviceInUse() == Device.CPU ? new HostKvMemory() : new CudaKvMemory());
  }

  /**
   * @param kvMemory memory for the KV caches, on the session's device; this executor closes it
   */
  IoBindingModelExecutor(DecoderSession session, KvMemory kvMemory) throws OrtException {
    this.session = session;
    this.spec = session.spec();
    this.binding = OrtIoBinding.create(session);
    this.host = OrtMemoryInfo.cpu();
    this.kvMemory = kvMemory;
    this.batch = cache(spec.contextLength());
    this.prefill = cache(spec.contextLength());
    log.info(
        "KV cache bound through ONNX Runtime IoBinding (C API over FFM) in {} memory; {}",
        kvMemory.memoryInfo().isHost() ? "host" : "device",
        OrtIoBinding.runtimeBuildInfo());
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public String device() {
    return session.deviceInUse().name().toLowerCase(Locale.ROOT);
  }

  @Override
  public KvCache batchCache() {
    return batch;
  }

  @Override
  public KvCache prefillCache() {
    return prefill;
  }

  @Override
  public boolean prefillsInChunks() {
    return true;
  }

  /** A spare cache in the same memory (host or device), e.g. a finished sequence kept for reuse. */
  @Override
  public KvCache newKvCache() {
    return cache(0);
  }

  // a cache that runs lays out the whole context when updated in place; a kept one is compact
  private IoBoundKvCache cache(int sharedCapacity) {
    return spec.sharedKvBuffer()
        ? new BoundSharedKvCache(spec, kvMemory, sharedCapacity)
        : new BoundKvCache(spec, kvMemory);
  }

  @Override
  public void prefill(int[] promptIds, float[] lastLogits) throws OrtException {
    prefillChunk(promptIds, 0, promptIds.length, lastLogits);
  }

  @Override
  public void prefillChunk(int[] promptIds, int from, int to, float[] lastLogits)
      throws OrtException {
    PrefillChunk.check(promptIds, from, to, prefill.pastLength());
    if (from == 0) {
      prefill.reset(1);
    }
    int n = to - from;
    ensureInputs(n, to, n);
    for (int i = 0; i < n; i++) {
      ids.setAtIndex(JAVA_LONG, i, promptIds[from + i]);
      positions.setAtIndex(JAVA_LONG, i, from + i);
    }
    for (int i = 0; i < to; i++) {
      mask.setAtIndex(JAVA_LONG, i, 1);
    }
    seqlensK.setAtIndex(JAVA_INT, 0, to - 1);
    run(prefill, 1, n, from, from > 0);
    readLogits(0, n, lastLogits);
  }

  @Override
  public void decode(int[] tokens, int[] pos, int[] kvLengths, float[][] out) throws OrtException {
    int rows = batch.rows();
    int past = batch.pastLength();
    int width = past + 1;
    ensureInputs(rows, rows * width, rows);
    for (int r = 0; r < rows; r++) {
      ids.setAtIndex(JAVA_LONG, r, tokens[r]);
      positions.setAtIndex(JAVA_LONG, r, pos[r]);
      seqlensK.setAtIndex(JAVA_INT, r, kvLengths[r]); // the row's last position (right-padded)
      // the row's kvLengths[r] cached tokens and the new one: first (right-padded) or last
      int pad = past - kvLengths[r];
      int realFrom = batch.rightPadded() ? 0 : pad;
      int realTo = batch.rightPadded() ? kvLengths[r] + 1 : width;
      long base = (long) r * width;
      for (int c = 0; c < width; c++) {
        mask.setAtIndex(JAVA_LONG, base + c, c >= realFrom && c < realTo ? 1 : 0);
      }
    }
    run(batch, rows, 1, past, true);
    for (int r = 0; r < rows; r++) {
      readLogits(r, 1, out[r]);
    }
  }

  private void run(IoBoundKvCache kv, int rows, int seq, int past, boolean useCache)
      throws OrtException {
    var names = spec.names();
    binding.clear();
    shape2[0] = rows;
    shape2[1] = seq;
    binding.bindInput(names.inputIds(), host, ids, 8L * rows * seq, ElementType.INT64, shape2);
    if (names.positionIds() != null) {
      binding.bindInput(
          names.positionIds(), host, positions, 8L * rows * seq, ElementType.INT64, shape2);
    }
    if (names.attentionMask() != null) {
      shape2[1] = past + seq;
      binding.bindInput(
          names.attentionMask(), host, mask, 8L * rows * (past + seq), ElementType.INT64, shape2);
    }
    if (names.rowLengths() != null) {
      var lengths = names.rowLengths();
      shape1[0] = rows;
      binding.bindInput(lengths.seqlensK(), host, seqlensK, 4L * rows, ElementType.INT32, shape1);
      total.set(JAVA_INT, 0, past + seq);
      binding.bindInput(
          lengths.totalSequenceLength(),
          host,
          total,
          4,
          ElementType.INT32,
          lengths.scalarTotal() ? SHAPE_SCALAR : SHAPE_ONE);
    }
    if (names.useCacheBranch() != null) {
      binding.bindInput(
          names.useCacheBranch(),
          host,
          useCache ? useCacheTrue : useCacheFalse,
          1,
          ElementType.BOOL,
          SHAPE_ONE);
    }
    shape3[0] = rows;
    shape3[1] = spec.logitPositions(seq);
    shape3[2] = spec.vocabSize();
    binding.bindOutput(
        names.logits(),
        host,
        logits,
        (long) rows * shape3[1] * spec.vocabSize() * spec.logitsType().bytes(),
        ElementType.of(spec.logitsType()),
        shape3);
    kv.bind(binding, seq);
    binding.run();
    kv.commit(seq);
  }

  /** The logits of the last of {@code seq} positions of a row. */
  private void readLogits(int row, int seq, float[] out) {
    int vocab = spec.vocabSize();
    long first = spec.lastLogitsIndex(row, seq);
    if (spec.logitsType() == TensorType.FLOAT32) {
      MemorySegment.copy(logits, JAVA_FLOAT, first * 4, out, 0, vocab);
    } else {
      for (int i = 0; i < vocab; i++) {
        out[i] = Float.float16ToFloat(logits.getAtIndex(JAVA_SHORT, first + i));
      }
    }
  }

  /** Grows the host input and logits buffers (twice what is asked, so growth is rare). */
  private void ensureInputs(int tokens, int maskCells, int logitRows) {
    long logitsBytes = (long) logitRows * spec.vocabSize() * spec.logitsType().bytes();
    if (ids.byteSize() < 8L * tokens
        || mask.byteSize() < 8L * maskCells
        || logits.byteSize() < logitsBytes) {
      binding.clear();
      long idBytes = Math.max(ids.byteSize(), 16L * tokens);
      long maskBytes = Math.max(mask.byteSize(), 16L * maskCells);
      long logitBytes = Math.max(logits.byteSize(), 2 * logitsBytes);
      buffers = Arena.ofAuto();
      ids = buffers.allocate(idBytes, 64);
      positions = buffers.allocate(idBytes, 64);
      seqlensK = buffers.allocate(idBytes / 2, 64);
      mask = buffers.allocate(maskBytes, 64);
      logits = buffers.allocate(logitBytes, 64);
    }
  }

  @Override
  public void close() {
    binding.close();
    batch.close();
    prefill.close();
    kvMemory.close();
    host.close();
    arena.close();
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }
}
