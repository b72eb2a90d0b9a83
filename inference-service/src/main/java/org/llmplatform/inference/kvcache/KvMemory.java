package org.llmplatform.inference.kvcache;

import java.lang.foreign.MemorySegment;
import org.llmplatform.inference.runtime.OrtMemoryInfo;

/**
 * Where a KV cache keeps its tensors: host memory ({@link HostKvMemory}) or a CUDA device ({@link
 * CudaKvMemory}, through IoBinding only). Blocks are raw native memory that ONNX Runtime reads and
 * writes through bound tensors; a device block is an address only, never read from Java.
 */
public interface KvMemory extends AutoCloseable {

  /** Says to ONNX Runtime where blocks of this memory live. */
  OrtMemoryInfo memoryInfo();

  /**
   * A block of at least {@code bytes} (64-byte aligned). Its contents are undefined (not zeroed): a
   * cache reads only what it or the graph wrote.
   */
  MemorySegment allocate(long bytes);

  /** Frees a block from {@link #allocate}. */
  void free(MemorySegment block);

  /** Copies {@code bytes} between blocks (which may be the same one, not overlapping). */
  void copy(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long bytes);

  /** Sets {@code bytes} to zero. */
  void zero(MemorySegment dst, long offset, long bytes);

  /** Waits until copies and zeroing issued so far are done (before the next run reads them). */
  void synchronize();

  /** Frees what is left and the memory info. */
  @Override
  void close();
}
