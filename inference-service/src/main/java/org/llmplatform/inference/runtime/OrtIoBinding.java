package org.llmplatform.inference.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import ai.onnxruntime.OrtException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * ONNX Runtime's IoBinding over a {@link DecoderSession}, through the C API: each input and output
 * is bound as a tensor over native memory the caller owns (host or device), and the run writes the
 * outputs straight into it; no value is wrapped as a Java object. Bind everything for a run, {@link
 * #run()}, then {@link #clear()} before the next (a present left bound would be reused with its old
 * shape). Not thread-safe: one per engine thread.
 */
public final class OrtIoBinding implements AutoCloseable {

  /** ONNX element types of the tensors bound here. */
  public enum ElementType {
    FLOAT(OrtCApi.ELEMENT_FLOAT),
    FLOAT16(OrtCApi.ELEMENT_FLOAT16),
    INT64(OrtCApi.ELEMENT_INT64),
    INT32(OrtCApi.ELEMENT_INT32),
    BOOL(OrtCApi.ELEMENT_BOOL);

    private final int code;

    ElementType(int code) {
      this.code = code;
    }

    /** The element type of the model's KV or logits tensors. */
    public static ElementType of(TensorType type) {
      return switch (type) {
        case FLOAT32 -> FLOAT;
        case FLOAT16 -> FLOAT16;
      };
    }
  }

  private final DecoderSession session;
  private final MemorySegment sessionHandle;
  private final MemorySegment binding;
  private final Arena arena = Arena.ofShared();
  private final Map<String, MemorySegment> names = new HashMap<>();
  private final MemorySegment shapeScratch = arena.allocate(JAVA_LONG, 8); // int64_t[rank]
  private final MemorySegment valueOut = arena.allocate(ADDRESS); // OrtValue**

  private OrtIoBinding(DecoderSession session, MemorySegment sessionHandle, MemorySegment binding) {
    this.session = session;
    this.sessionHandle = sessionHandle;
    this.binding = binding;
  }

  /** A binding for {@code session}'s native {@code OrtSession*}. */
  public static OrtIoBinding create(DecoderSession session) throws OrtException {
    MemorySegment handle = OrtCApi.sessionHandle(session.ortSession());
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      OrtCApi.check(
          (MemorySegment) OrtCApi.CREATE_IO_BINDING_FN.invokeExact(handle, out), "CreateIoBinding");
      return new OrtIoBinding(session, handle, out.get(ADDRESS, 0));
    } catch (OrtException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** ONNX Runtime's build string (its git commit): what the FFM calls reach. */
  public static String runtimeBuildInfo() {
    return OrtCApi.buildInfo();
  }

  /**
   * Binds input {@code name} to a tensor over {@code bytes} at {@code data} (memory the caller
   * keeps alive until {@link #clear()}); ONNX Runtime copies a host tensor to the device when the
   * graph consumes it there.
   */
  public void bindInput(
      String name,
      OrtMemoryInfo where,
      MemorySegment data,
      long bytes,
      ElementType type,
      long[] shape)
      throws OrtException {
    bind(true, name, where, data, bytes, type, shape);
  }

  /** Binds output {@code name} to a pre-allocated tensor of exactly the shape the run produces. */
  public void bindOutput(
      String name,
      OrtMemoryInfo where,
      MemorySegment data,
      long bytes,
      ElementType type,
      long[] shape)
      throws OrtException {
    bind(false, name, where, data, bytes, type, shape);
  }

  private void bind(
      boolean input,
      String name,
      OrtMemoryInfo where,
      MemorySegment data,
      long bytes,
      ElementType type,
      long[] shape)
      throws OrtException {
    MemorySegment.copy(shape, 0, shapeScratch, JAVA_LONG, 0, shape.length);
    MemorySegment value;
    try {
      OrtCApi.check(
          (MemorySegment)
              OrtCApi.CREATE_TENSOR_FN.invokeExact(
                  where.handle(),
                  data,
                  bytes,
                  shapeScratch,
                  (long) shape.length,
                  type.code,
                  valueOut),
          "CreateTensorWithDataAsOrtValue",
          name);
      value = valueOut.get(ADDRESS, 0);
    } catch (OrtException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
    try {
      MemorySegment cName = names.computeIfAbsent(name, arena::allocateFrom);
      OrtCApi.check(
          (MemorySegment)
              (input ? OrtCApi.BIND_INPUT_FN : OrtCApi.BIND_OUTPUT_FN)
                  .invokeExact(binding, cName, value),
          input ? "BindInput" : "BindOutput",
          name);
    } catch (OrtException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    } finally {
      release(value); // the binding holds its own reference
    }
  }

  /**
   * Runs the session with everything bound: waits for host-to-device input copies, runs, waits for
   * the outputs (no-ops on the CPU).
   */
  public void run() throws OrtException {
    try {
      OrtCApi.check(
          (MemorySegment) OrtCApi.SYNCHRONIZE_BOUND_INPUTS_FN.invokeExact(binding),
          "SynchronizeBoundInputs");
      OrtCApi.check(
          (MemorySegment)
              OrtCApi.RUN_WITH_BINDING_FN.invokeExact(sessionHandle, MemorySegment.NULL, binding),
          "RunWithBinding");
      OrtCApi.check(
          (MemorySegment) OrtCApi.SYNCHRONIZE_BOUND_OUTPUTS_FN.invokeExact(binding),
          "SynchronizeBoundOutputs");
    } catch (OrtException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Unbinds every input and output. */
  public void clear() {
    try {
      OrtCApi.CLEAR_BOUND_INPUTS_FN.invokeExact(binding);
      OrtCApi.CLEAR_BOUND_OUTPUTS_FN.invokeExact(binding);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** The session this binding runs. */
  public DecoderSession session() {
    return session;
  }

  private static void release(MemorySegment value) {
    try {
      OrtCApi.RELEASE_VALUE_FN.invokeExact(value);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Releases the binding (before the session closes) and the names. */
  @Override
  public void close() {
    clear();
    try {
      OrtCApi.RELEASE_IO_BINDING_FN.invokeExact(binding);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
    arena.close();
  }
}
