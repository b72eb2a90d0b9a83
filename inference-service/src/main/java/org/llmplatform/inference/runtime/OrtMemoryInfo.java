package org.llmplatform.inference.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;

import ai.onnxruntime.OrtException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An {@code OrtMemoryInfo}: says where the memory behind a bound tensor lives (host, or a CUDA
 * device). Created at start-up, released on close.
 */
public final class OrtMemoryInfo implements AutoCloseable {

  private final MemorySegment handle;
  private final boolean host;

  private OrtMemoryInfo(MemorySegment handle, boolean host) {
    this.handle = handle;
    this.host = host;
  }

  /** Host memory (what ORT Java's tensors use: arena allocator, default memory type). */
  public static OrtMemoryInfo cpu() throws OrtException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      OrtCApi.check(
          (MemorySegment)
              OrtCApi.CREATE_CPU_MEMORY_INFO_FN.invokeExact(
                  OrtCApi.ARENA_ALLOCATOR, OrtCApi.MEM_TYPE_DEFAULT, out),
          "CreateCpuMemoryInfo");
      return new OrtMemoryInfo(out.get(ADDRESS, 0), true);
    } catch (OrtException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Memory of CUDA device {@code device} ("Cuda", device allocator, default memory type). */
  public static OrtMemoryInfo cuda(int device) throws OrtException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      OrtCApi.check(
          (MemorySegment)
              OrtCApi.CREATE_MEMORY_INFO_FN.invokeExact(
                  arena.allocateFrom("Cuda"),
                  OrtCApi.DEVICE_ALLOCATOR,
                  device,
                  OrtCApi.MEM_TYPE_DEFAULT,
                  out),
          "CreateMemoryInfo(Cuda)");
      return new OrtMemoryInfo(out.get(ADDRESS, 0), false);
    } catch (OrtException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** True for host memory, which Java may read; a device pointer must never be read from Java. */
  public boolean isHost() {
    return host;
  }

  MemorySegment handle() {
    return handle;
  }

  @Override
  public void close() {
    try {
      OrtCApi.RELEASE_MEMORY_INFO_FN.invokeExact(handle);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
