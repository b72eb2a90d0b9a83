package org.llmplatform.inference.kvcache;

import ai.onnxruntime.OrtException;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.inference.runtime.OrtIoBinding;
import org.llmplatform.inference.runtime.OrtIoBinding.ElementType;

/**
 * A {@link SharedKvCache} in host or device memory bound through IoBinding: each block as both the
 * past input and the present output. Engine thread only.
 */
public final class BoundSharedKvCache extends SharedKvCache implements IoBoundKvCache {

  private final ElementType elementType;

  /**
   * @param minCapacity positions per row to lay out at least: the context length for a cache that
   *     runs, 0 for one that only keeps rows
   */
  public BoundSharedKvCache(ModelSpec spec, KvMemory memory, int minCapacity) {
    super(spec, memory, minCapacity);
    this.elementType = ElementType.of(spec.kvType());
  }

  @Override
  public void bind(OrtIoBinding binding, int newTokens) throws OrtException {
    long bytes = prepare(newTokens);
    var where = memory.memoryInfo();
    for (int layer = 0; layer < spec.numLayers(); layer++) {
      for (int kind = 0; kind < 2; kind++) {
        var block = block(layer, kind);
        binding.bindInput(pastName(layer, kind), where, block, bytes, elementType, shape());
        binding.bindOutput(presentName(layer, kind), where, block, bytes, elementType, shape());
      }
    }
  }
}
