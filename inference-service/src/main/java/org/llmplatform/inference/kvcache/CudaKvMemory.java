package org.llmplatform.inference.kvcache;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import ai.onnxruntime.OrtException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import org.llmplatform.inference.runtime.OrtMemoryInfo;

/**
 * {@link KvMemory} on CUDA device 0, through the CUDA runtime ({@code libcudart.so.12}, which ONNX
 * Runtime's CUDA provider has already loaded) called with the FFM API. Blocks are {@code
 * cudaMalloc} addresses, never read from Java; re-packing is device-to-device {@code cudaMemcpy}.
 * Only used when the session runs on CUDA.
 */
public final class CudaKvMemory implements KvMemory {

  private static final int MEMCPY_DEVICE_TO_DEVICE = 3; // cudaMemcpyKind

  private final OrtMemoryInfo info;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment pointerOut = arena.allocate(ADDRESS);
  private final MethodHandle malloc;
  private final MethodHandle free;
  private final MethodHandle memcpy;
  private final MethodHandle memset;
  private final MethodHandle synchronize;
  private final MethodHandle errorString;

  public CudaKvMemory() throws OrtException {
    Linker linker = Linker.nativeLinker();
    SymbolLookup cudart = SymbolLookup.libraryLookup("libcudart.so.12", arena);
    malloc =
        handle(linker, cudart, "cudaMalloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    free = handle(linker, cudart, "cudaFree", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    memcpy =
        handle(
            linker,
            cudart,
            "cudaMemcpy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    memset =
        handle(
            linker,
            cudart,
            "cudaMemset",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    synchronize = handle(linker, cudart, "cudaDeviceSynchronize", FunctionDescriptor.of(JAVA_INT));
    errorString =
        handle(linker, cudart, "cudaGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    this.info = OrtMemoryInfo.cuda(0);
  }

  private static MethodHandle handle(
      Linker linker, SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
    return linker.downcallHandle(
        lookup.find(name).orElseThrow(() -> new IllegalStateException(name + " not in libcudart")),
        descriptor);
  }

  @Override
  public OrtMemoryInfo memoryInfo() {
    return info;
  }

  @Override
  public MemorySegment allocate(long bytes) {
    try {
      check((int) malloc.invokeExact(pointerOut, Math.max(bytes, 64)), "cudaMalloc");
      return pointerOut.get(ADDRESS, 0);
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  @Override
  public void free(MemorySegment block) {
    try {
      check((int) free.invokeExact(block), "cudaFree");
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  @Override
  public void copy(
      MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
    if (bytes == 0) {
      return;
    }
    try {
      check(
          (int)
              memcpy.invokeExact(
                  MemorySegment.ofAddress(dst.address() + dstOffset),
                  MemorySegment.ofAddress(src.address() + srcOffset),
                  bytes,
                  MEMCPY_DEVICE_TO_DEVICE),
          "cudaMemcpy");
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  @Override
  public void zero(MemorySegment dst, long offset, long bytes) {
    if (bytes == 0) {
      return;
    }
    try {
      check(
          (int) memset.invokeExact(MemorySegment.ofAddress(dst.address() + offset), 0, bytes),
          "cudaMemset");
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Device-to-device copies do not block the host, and ONNX Runtime runs on its own stream: wait
   * for them before the next run reads the blocks.
   */
  @Override
  public void synchronize() {
    try {
      check((int) synchronize.invokeExact(), "cudaDeviceSynchronize");
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  private void check(int error, String what) throws Throwable {
    if (error != 0) {
      String message =
          ((MemorySegment) errorString.invokeExact(error)).reinterpret(Long.MAX_VALUE).getString(0);
      throw new IllegalStateException(what + " failed: " + message + " (" + error + ")");
    }
  }

  @Override
  public void close() {
    info.close();
    arena.close();
  }
}
