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

/**
 * A {@link SharedKvCache} in host memory bound to ORT Java runs: each block as a tensor that is
 * both the past input and the present (pinned) output. Engine thread only.
 */
public final class PinnedSharedKvCache extends SharedKvCache implements PinnedKvCache {

  private final OrtEnvironment env;
  private final List<OnnxTensor> bound = new ArrayList<>();

  /**
   * @param memory host memory
   * @param minCapacity positions per row to lay out at least: the context length for a cache that
   *     runs, 0 for one that only keeps rows
   */
  public PinnedSharedKvCache(ModelSpec spec, KvMemory memory, OrtEnvironment env, int minCapacity) {
    super(spec, memory, minCapacity);
    this.env = env;
  }

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
        MemorySegment block = block(layer, kind);
        inputs.put(pastName(layer, kind), tensor(block, bytes));
        outputs.put(presentName(layer, kind), tensor(block, bytes));
      }
    }
  }

  private OnnxTensor tensor(MemorySegment block, long bytes) throws OrtException {
    var view = block.asSlice(0, bytes).asByteBuffer().order(ByteOrder.nativeOrder());
    OnnxTensor t = OnnxTensor.createTensor(env, view, shape(), spec.kvType().onnxType());
    bound.add(t);
    return t;
  }

  @Override
  void closeBound() {
    bound.forEach(OnnxTensor::close);
    bound.clear();
  }
}
