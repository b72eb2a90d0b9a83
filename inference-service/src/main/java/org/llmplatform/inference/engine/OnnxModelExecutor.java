package org.llmplatform.inference.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.llmplatform.inference.kvcache.HostKvCache;
import org.llmplatform.inference.kvcache.HostKvMemory;
import org.llmplatform.inference.kvcache.KvCache;
import org.llmplatform.inference.kvcache.KvMemory;
import org.llmplatform.inference.kvcache.PinnedKvCache;
import org.llmplatform.inference.kvcache.PinnedSharedKvCache;
import org.llmplatform.inference.kvcache.SharedKvCache;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.inference.runtime.TensorType;

/**
 * {@link ModelExecutor} over an ONNX Runtime session. Inputs (ids, mask, positions) and the logits
 * output live in direct buffers reused from step to step; the KV cache in a {@link HostKvCache}, or
 * in a {@link SharedKvCache} updated in place where the graph allows it.
 */
public final class OnnxModelExecutor implements ModelExecutor {

  private final DecoderSession session;
  private final ModelSpec spec;
  private final KvMemory kvMemory; // host blocks of the KV caches
  private final PinnedKvCache batch;
  private final PinnedKvCache prefill;
  private final OnnxTensor useCacheTrue;
  private final OnnxTensor useCacheFalse;
  private final List<OnnxTensor> stepTensors = new ArrayList<>();
  private final Map<String, OnnxTensorLike> inputs = new HashMap<>();
  private final Map<String, OnnxValue> outputs = new HashMap<>();
  private LongBuffer ids = direct(0).asLongBuffer();
  private LongBuffer mask = direct(0).asLongBuffer();
  private LongBuffer positions = direct(0).asLongBuffer();
  // GroupQueryAttention's row lengths where the graph takes them: seqlens_k [rows], total [1]
  private IntBuffer seqlensK = direct(0).asIntBuffer();
  private final IntBuffer total = direct(4).asIntBuffer();
  private ByteBuffer logitsBuf = direct(0);

  public OnnxModelExecutor(DecoderSession session) {
    this(session, hostMemory());
  }

  /**
   * @param kvMemory host memory for the KV caches; this executor closes it
   */
  OnnxModelExecutor(DecoderSession session, KvMemory kvMemory) {
    this.session = session;
    this.spec = session.spec();
    this.kvMemory = kvMemory;
    this.batch = cache(spec.contextLength());
    this.prefill = cache(spec.contextLength());
    try {
      this.useCacheTrue = OnnxTensor.createTensor(session.env(), new boolean[] {true});
      this.useCacheFalse = OnnxTensor.createTensor(session.env(), new boolean[] {false});
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KvMemory hostMemory() {
    try {
      return new HostKvMemory();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public String device() {
    return session.deviceInUse().name().toLowerCase(java.util.Locale.ROOT);
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

  @Override
  public KvCache newKvCache() {
    return cache(0);
  }

  // a cache that runs lays out the whole context when updated in place; a kept one is compact
  private PinnedKvCache cache(int sharedCapacity) {
    return spec.sharedKvBuffer()
        ? new PinnedSharedKvCache(spec, kvMemory, session.env(), sharedCapacity)
        : new HostKvCache(session.env(), spec, kvMemory);
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
    ensureInputs(n, to);
    for (int i = 0; i < n; i++) {
      ids.put(i, promptIds[from + i]);
      positions.put(i, from + i);
    }
    for (int i = 0; i < to; i++) {
      mask.put(i, 1);
    }
    seqlensK.put(0, to - 1);
    run(prefill, 1, n, from, from > 0);
    readLogits(0, n, lastLogits);
  }

  @Override
  public void decode(int[] tokens, int[] pos, int[] kvLengths, float[][] logits)
      throws OrtException {
    int rows = batch.rows();
    int past = batch.pastLength();
    int width = past + 1;
    boolean rightPadded = batch.rightPadded();
    ensureInputs(rows, rows * width);
    for (int r = 0; r < rows; r++) {
      ids.put(r, tokens[r]);
      positions.put(r, pos[r]);
      seqlensK.put(r, kvLengths[r]); // the row's last position: right-padded, its new token
      // the row's kvLengths[r] cached tokens and the new one: first (right-padded) or last
      int pad = past - kvLengths[r];
      for (int c = 0; c < width; c++) {
        boolean real = rightPadded ? c <= kvLengths[r] : c >= pad;
        mask.put(r * width + c, real ? 1 : 0);
      }
    }
    run(batch, rows, 1, past, true);
    for (int r = 0; r < rows; r++) {
      readLogits(r, 1, logits[r]);
    }
  }

  // ids/positions [rows, seq], mask [rows, past + seq], logits [rows, seq or 1, vocab]; or
  // instead of the mask, seqlens_k [rows] and total past + seq
  private void run(PinnedKvCache kv, int rows, int seq, int past, boolean useCache)
      throws OrtException {
    var env = session.env();
    var names = spec.names();
    inputs.clear();
    outputs.clear();
    try {
      inputs.put(names.inputIds(), longTensor(ids, rows * seq, new long[] {rows, seq}));
      if (names.attentionMask() != null) {
        inputs.put(
            names.attentionMask(),
            longTensor(mask, rows * (past + seq), new long[] {rows, past + seq}));
      }
      if (names.rowLengths() != null) {
        var lengths = names.rowLengths();
        total.put(0, past + seq);
        inputs.put(lengths.seqlensK(), intTensor(seqlensK, rows, new long[] {rows}));
        inputs.put(
            lengths.totalSequenceLength(),
            intTensor(total, 1, lengths.scalarTotal() ? new long[0] : new long[] {1}));
      }
      if (names.positionIds() != null) {
        inputs.put(names.positionIds(), longTensor(positions, rows * seq, new long[] {rows, seq}));
      }
      if (names.useCacheBranch() != null) {
        inputs.put(names.useCacheBranch(), useCache ? useCacheTrue : useCacheFalse);
      }
      int logitPositions = spec.logitPositions(seq);
      long logitsBytes =
          (long) rows * logitPositions * spec.vocabSize() * spec.logitsType().bytes();
      if (logitsBuf.capacity() < logitsBytes) {
        logitsBuf = direct(logitsBytes);
      }
      OnnxTensor logits =
          OnnxTensor.createTensor(
              env,
              logitsBuf.slice(0, (int) logitsBytes).order(ByteOrder.nativeOrder()),
              new long[] {rows, logitPositions, spec.vocabSize()},
              spec.logitsType().onnxType());
      stepTensors.add(logits);
      outputs.put(names.logits(), logits);
      kv.bind(inputs, outputs, seq);
      session.run(inputs, outputs);
      kv.commit(seq);
    } finally {
      stepTensors.forEach(OnnxTensor::close);
      stepTensors.clear();
    }
  }

  /** The logits of the last of {@code seq} positions of a row. */
  private void readLogits(int row, int seq, float[] out) {
    int vocab = spec.vocabSize();
    long first = spec.lastLogitsIndex(row, seq);
    if (spec.logitsType() == TensorType.FLOAT32) {
      logitsBuf.asFloatBuffer().get((int) first, out, 0, vocab);
    } else {
      var halfs = logitsBuf.asShortBuffer();
      for (int i = 0; i < vocab; i++) {
        out[i] = Float.float16ToFloat(halfs.get((int) first + i));
      }
    }
  }

  private OnnxTensor longTensor(LongBuffer buf, int count, long[] shape) throws OrtException {
    OnnxTensor t = OnnxTensor.createTensor(session.env(), buf.slice(0, count), shape);
    stepTensors.add(t);
    return t;
  }

  private OnnxTensor intTensor(IntBuffer buf, int count, long[] shape) throws OrtException {
    OnnxTensor t = OnnxTensor.createTensor(session.env(), buf.slice(0, count), shape);
    stepTensors.add(t);
    return t;
  }

  private void ensureInputs(int tokens, int maskCells) {
    if (ids.capacity() < tokens) {
      ids = direct(8L * tokens * 2).asLongBuffer();
      positions = direct(8L * tokens * 2).asLongBuffer();
      seqlensK = direct(4L * tokens * 2).asIntBuffer();
    }
    if (mask.capacity() < maskCells) {
      mask = direct(8L * maskCells * 2).asLongBuffer();
    }
  }

  private static ByteBuffer direct(long bytes) {
    return ByteBuffer.allocateDirect((int) Math.max(bytes, 64)).order(ByteOrder.nativeOrder());
  }

  @Override
  public void close() {
    batch.close();
    prefill.close();
    kvMemory.close();
    useCacheTrue.close();
    useCacheFalse.close();
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }
}
