package org.llmplatform.inference.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.util.Optional;

/**
 * The part of ONNX Runtime's C API ({@code OrtApi}, onnxruntime_c_api.h) that ORT Java lacks —
 * IoBinding — called through the FFM API in the same process, on the very library ORT Java loaded.
 * Indices are slots of the {@code OrtApi} function table; ONNX Runtime only appends to it, so an
 * index stays valid in every later version. Status-returning functions return {@code OrtStatus*},
 * NULL on success.
 */
final class OrtCApi {

  /** OrtApi version asked for: ONNX Runtime 1.24 (the project's version) serves 1..24. */
  static final int API_VERSION = 24;

  // OrtApi slots (ORT 1.24.1 header order)
  private static final int GET_ERROR_MESSAGE = 2;
  private static final int CREATE_TENSOR_WITH_DATA_AS_ORT_VALUE = 49;
  private static final int CREATE_MEMORY_INFO = 68;
  private static final int CREATE_CPU_MEMORY_INFO = 69;
  private static final int RELEASE_STATUS = 93;
  private static final int RELEASE_MEMORY_INFO = 94;
  private static final int RELEASE_VALUE = 96;
  private static final int RUN_WITH_BINDING = 133;
  private static final int CREATE_IO_BINDING = 134;
  private static final int RELEASE_IO_BINDING = 135;
  private static final int BIND_INPUT = 136;
  private static final int BIND_OUTPUT = 137;
  private static final int CLEAR_BOUND_INPUTS = 141;
  private static final int CLEAR_BOUND_OUTPUTS = 142;
  private static final int SYNCHRONIZE_BOUND_INPUTS = 202;
  private static final int SYNCHRONIZE_BOUND_OUTPUTS = 203;
  private static final int GET_BUILD_INFO_STRING = 254;
  private static final int SLOTS = GET_BUILD_INFO_STRING + 1;

  /** ONNXTensorElementDataType values. */
  static final int ELEMENT_FLOAT = 1;

  static final int ELEMENT_BOOL = 9;
  static final int ELEMENT_FLOAT16 = 10;
  static final int ELEMENT_INT64 = 7;
  static final int ELEMENT_INT32 = 6;

  /** OrtAllocatorType / OrtMemType values. */
  static final int DEVICE_ALLOCATOR = 0;

  static final int ARENA_ALLOCATOR = 1;
  static final int MEM_TYPE_DEFAULT = 0;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final MemorySegment API = loadApi();

  static final MethodHandle GET_ERROR_MESSAGE_FN = fn(GET_ERROR_MESSAGE, ADDRESS, ADDRESS);
  static final MethodHandle RELEASE_STATUS_FN = voidFn(RELEASE_STATUS);
  // (OrtMemoryInfo*, void* data, size_t bytes, int64_t* shape, size_t rank, type, OrtValue** out)
  static final MethodHandle CREATE_TENSOR_FN =
      fn(
          CREATE_TENSOR_WITH_DATA_AS_ORT_VALUE,
          ADDRESS,
          ADDRESS,
          ADDRESS,
          JAVA_LONG,
          ADDRESS,
          JAVA_LONG,
          JAVA_INT,
          ADDRESS);
  // (const char* name, OrtAllocatorType, int device id, OrtMemType, OrtMemoryInfo** out)
  static final MethodHandle CREATE_MEMORY_INFO_FN =
      fn(CREATE_MEMORY_INFO, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
  // (OrtAllocatorType, OrtMemType, OrtMemoryInfo** out)
  static final MethodHandle CREATE_CPU_MEMORY_INFO_FN =
      fn(CREATE_CPU_MEMORY_INFO, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
  static final MethodHandle RELEASE_MEMORY_INFO_FN = voidFn(RELEASE_MEMORY_INFO);
  static final MethodHandle RELEASE_VALUE_FN = voidFn(RELEASE_VALUE);
  // (OrtSession*, const OrtRunOptions* or NULL, const OrtIoBinding*)
  static final MethodHandle RUN_WITH_BINDING_FN =
      fn(RUN_WITH_BINDING, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
  // (OrtSession*, OrtIoBinding** out)
  static final MethodHandle CREATE_IO_BINDING_FN = fn(CREATE_IO_BINDING, ADDRESS, ADDRESS, ADDRESS);
  static final MethodHandle RELEASE_IO_BINDING_FN = voidFn(RELEASE_IO_BINDING);
  // (OrtIoBinding*, const char* name, const OrtValue*)
  static final MethodHandle BIND_INPUT_FN = fn(BIND_INPUT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
  static final MethodHandle BIND_OUTPUT_FN = fn(BIND_OUTPUT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
  static final MethodHandle CLEAR_BOUND_INPUTS_FN = voidFn(CLEAR_BOUND_INPUTS);
  static final MethodHandle CLEAR_BOUND_OUTPUTS_FN = voidFn(CLEAR_BOUND_OUTPUTS);
  static final MethodHandle SYNCHRONIZE_BOUND_INPUTS_FN =
      fn(SYNCHRONIZE_BOUND_INPUTS, ADDRESS, ADDRESS);
  static final MethodHandle SYNCHRONIZE_BOUND_OUTPUTS_FN =
      fn(SYNCHRONIZE_BOUND_OUTPUTS, ADDRESS, ADDRESS);
  static final MethodHandle GET_BUILD_INFO_STRING_FN = fn(GET_BUILD_INFO_STRING, ADDRESS);

  private OrtCApi() {}

  /**
   * The {@code OrtApi*} of the library ORT Java loaded: {@code OrtGetApiBase()->GetApi(24)}. ORT
   * Java is initialised first so that its library is in the process.
   */
  private static MemorySegment loadApi() {
    OrtEnvironment.getEnvironment();
    SymbolLookup lookup = SymbolLookup.loaderLookup();
    Optional<MemorySegment> getApiBase = lookup.find("OrtGetApiBase");
    if (getApiBase.isEmpty()) {
      getApiBase =
          SymbolLookup.libraryLookup("libonnxruntime.so.1", Arena.global()).find("OrtGetApiBase");
    }
    try {
      MemorySegment base =
          (MemorySegment)
              LINKER
                  .downcallHandle(
                      getApiBase.orElseThrow(
                          () ->
                              new IllegalStateException(
                                  "OrtGetApiBase not found in the ONNX Runtime library")),
                      FunctionDescriptor.of(ADDRESS))
                  .invokeExact();
      // OrtApiBase: GetApi at +0 (uint32_t version) -> const OrtApi*
      MemorySegment getApi = base.reinterpret(16).get(ADDRESS, 0);
      MemorySegment api =
          (MemorySegment)
              LINKER
                  .downcallHandle(getApi, FunctionDescriptor.of(ADDRESS, JAVA_INT))
                  .invokeExact(API_VERSION);
      if (api.equals(MemorySegment.NULL)) {
        throw new IllegalStateException(
            "ONNX Runtime does not serve OrtApi version " + API_VERSION + " (needs >= 1.24)");
      }
      return api.reinterpret((long) SLOTS * ADDRESS.byteSize());
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("cannot reach ONNX Runtime's C API", t);
    }
  }

  private static MethodHandle fn(int slot, MemoryLayout ret, MemoryLayout... args) {
    return LINKER.downcallHandle(API.getAtIndex(ADDRESS, slot), FunctionDescriptor.of(ret, args));
  }

  private static MethodHandle voidFn(int slot) {
    return LINKER.downcallHandle(API.getAtIndex(ADDRESS, slot), FunctionDescriptor.ofVoid(ADDRESS));
  }

  /**
   * Throws an {@link OrtException} with the status's message when {@code status} is not NULL (and
   * releases the status).
   */
  static void check(MemorySegment status, String what) throws OrtException {
    check(status, what, null);
  }

  /** As {@link #check(MemorySegment, String)}, naming {@code what(detail)} only on failure. */
  static void check(MemorySegment status, String what, String detail) throws OrtException {
    if (status.equals(MemorySegment.NULL)) {
      return;
    }
    if (detail != null) {
      what = what + "(" + detail + ")";
    }
    String message;
    try {
      message =
          ((MemorySegment) GET_ERROR_MESSAGE_FN.invokeExact(status))
              .reinterpret(Long.MAX_VALUE)
              .getString(0);
      RELEASE_STATUS_FN.invokeExact(status);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
    throw new OrtException(what + ": " + message);
  }

  /** ONNX Runtime's build string (git commit, build options): proves the table's layout. */
  static String buildInfo() {
    try {
      return ((MemorySegment) GET_BUILD_INFO_STRING_FN.invokeExact())
          .reinterpret(Long.MAX_VALUE)
          .getString(0);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * The native {@code OrtSession*} behind ORT Java's session (its private {@code nativeHandle}:
   * reflection works on the class path; on the module path it needs {@code --add-opens}).
   */
  static MemorySegment sessionHandle(OrtSession session) {
    try {
      Field f = OrtSession.class.getDeclaredField("nativeHandle");
      f.setAccessible(true);
      return MemorySegment.ofAddress(f.getLong(session));
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot read ORT Java's OrtSession.nativeHandle (on the module path, add "
              + "--add-opens com.microsoft.onnxruntime/ai.onnxruntime=ALL-UNNAMED)",
          e);
    }
  }
}
