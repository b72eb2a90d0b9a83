package org.llmplatform.inference.kvcache;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import ai.onnxruntime.OrtException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.HashSet;
import java.util.Set;
import org.llmplatform.inference.runtime.OrtMemoryInfo;

/**
 * {@link KvMemory} in host memory: blocks from the C library's {@code aligned_alloc} / {@code
 * free}, copies are {@code memcpy}. A block is not written when allocated (no zero-fill, unlike
 * direct buffers and arenas): a large one is fresh address space whose pages the OS maps as they
 * are first written, so reserving the whole context costs no resident memory and no time until it
 * is used. Not arenas: closing a shared arena makes a handshake with every thread, which the engine
 * thread would pay on each block it grows.
 */
public final class HostKvMemory implements KvMemory {

  private static final long ALIGNMENT = 64;
  private static final MethodHandle ALIGNED_ALLOC;
  private static final MethodHandle FREE;

  static {
    Linker linker = Linker.nativeLinker();
    var libc = linker.defaultLookup();
    ALIGNED_ALLOC =
        linker.downcallHandle(
            libc.find("aligned_alloc").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_LONG, JAVA_LONG));
    FREE =
        linker.downcallHandle(libc.find("free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
  }

  private final OrtMemoryInfo info;
  private final Set<Long> blocks = new HashSet<>();
  private boolean closed;

  public HostKvMemory() throws OrtException {
    this.info = OrtMemoryInfo.cpu();
  }

  @Override
  public OrtMemoryInfo memoryInfo() {
    return info;
  }

  @Override
  public MemorySegment allocate(long bytes) {
    long size = (Math.max(bytes, ALIGNMENT) + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    MemorySegment block;
    try {
      block = (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGNMENT, size);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
    if (block.equals(MemorySegment.NULL)) {
      throw new OutOfMemoryError("aligned_alloc of " + size + " bytes for the KV cache failed");
    }
    block = block.reinterpret(size);
    blocks.add(block.address());
    return block;
  }

  @Override
  public void free(MemorySegment block) {
    if (!blocks.remove(block.address())) {
      throw new IllegalArgumentException("not a block of this memory");
    }
    release(block);
  }

  private static void release(MemorySegment block) {
    try {
      FREE.invokeExact(block);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
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

  /** Frees what is left and the memory info; a second call does nothing. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    blocks.forEach(address -> release(MemorySegment.ofAddress(address)));
    blocks.clear();
    info.close();
  }
}
