package org.llmplatform.inference.kvcache;

import ai.onnxruntime.OrtException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import org.llmplatform.inference.runtime.OrtMemoryInfo;

/** {@link KvMemory} in host memory: each block its own arena, copies are {@code memcpy}. */
public final class HostKvMemory implements KvMemory {

  private final OrtMemoryInfo info;
  private final Map<Long, Arena> blocks = new HashMap<>();

  public HostKvMemory() throws OrtException {
    this.info = OrtMemoryInfo.cpu();
  }

  @Override
  public OrtMemoryInfo memoryInfo() {
    return info;
  }

  @Override
  public MemorySegment allocate(long bytes) {
    Arena arena = Arena.ofShared();
    MemorySegment block = arena.allocate(Math.max(bytes, 64), 64);
    blocks.put(block.address(), arena);
    return block;
  }

  @Override
  public void free(MemorySegment block) {
    Arena arena = blocks.remove(block.address());
    if (arena == null) {
      throw new IllegalArgumentException("not a block of this memory");
    }
    arena.close();
  }

  @Override
  public void copy(
      MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
    MemorySegment.copy(src, srcOffset, dst, dstOffset, bytes);
  }

  @Override
  public void zero(MemorySegment dst, long offset, long bytes) {
    dst.asSlice(offset, bytes).fill((byte) 0);
  }

  @Override
  public void synchronize() {
    // host copies are done when they return
  }

  @Override
  public void close() {
    blocks.values().forEach(Arena::close);
    blocks.clear();
    info.close();
  }
}
