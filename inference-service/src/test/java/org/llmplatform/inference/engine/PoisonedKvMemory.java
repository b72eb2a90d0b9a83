package org.llmplatform.inference.engine;

import ai.onnxruntime.OrtException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import org.llmplatform.inference.kvcache.HostKvMemory;
import org.llmplatform.inference.kvcache.KvMemory;
import org.llmplatform.inference.runtime.OrtMemoryInfo;

/**
 * Host KV memory whose fresh blocks are all NaN (every byte 0xFF: NaN in fp32 and fp16), where
 * {@link HostKvMemory} leaves them as the OS or the C library hands them over. A cache that reads a
 * byte it did not write first, even one the attention mask hides (0 × NaN is NaN), spoils the
 * logits of the row. Counts the blocks it allocated and the calls of close.
 */
final class PoisonedKvMemory implements KvMemory {

  private final HostKvMemory host;
  private final AtomicInteger allocations = new AtomicInteger();
  private final AtomicInteger closes = new AtomicInteger();

  private PoisonedKvMemory(HostKvMemory host) {
    this.host = host;
  }

  static PoisonedKvMemory create() {
    try {
      return new PoisonedKvMemory(new HostKvMemory());
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Calls of {@link #close()} so far. */
  int closes() {
    return closes.get();
  }

  /** Blocks allocated so far (the engine thread allocates; any thread may read). */
  int allocations() {
    return allocations.get();
  }

  @Override
  public OrtMemoryInfo memoryInfo() {
    return host.memoryInfo();
  }

  @Override
  public MemorySegment allocate(long bytes) {
    MemorySegment block = host.allocate(bytes);
    block.fill((byte) 0xFF);
    allocations.incrementAndGet();
    return block;
  }

  @Override
  public void free(MemorySegment block) {
    host.free(block);
  }

  @Override
  public void copy(
      MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
    host.copy(src, srcOffset, dst, dstOffset, bytes);
  }

  @Override
  public void zero(MemorySegment dst, long offset, long bytes) {
    host.zero(dst, offset, bytes);
  }

  @Override
  public void synchronize() {
    host.synchronize();
  }

  @Override
  public void close() {
    closes.incrementAndGet();
    host.close();
  }
}
