package org.llmplatform.inference.runtime;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ONNX Runtime session over a decoder graph, with the model's description. Not thread-safe by
 * contract: one engine thread runs it.
 */
public final class DecoderSession implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DecoderSession.class);

  private final OrtEnvironment env;
  private final OrtSession session;
  private final ModelSpec spec;
  private final Device deviceInUse;

  private DecoderSession(
      OrtEnvironment env, OrtSession session, ModelSpec spec, Device deviceInUse) {
    this.env = env;
    this.session = session;
    this.spec = spec;
    this.deviceInUse = deviceInUse;
  }

  /**
   * Opens the model in {@code dir}; fails with a {@link ModelLayoutException} naming what is
   * missing.
   */
  public static DecoderSession open(Path dir, RuntimeOptions options) {
    ModelLayoutReader.ModelFiles files = ModelLayoutReader.locate(dir);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setOptimizationLevel(optLevel(options.optimizationLevel()));
      if (options.intraOpThreads() > 0) {
        so.setIntraOpNumThreads(options.intraOpThreads());
      }
      if (options.interOpThreads() > 0) {
        so.setInterOpNumThreads(options.interOpThreads());
      }
      // A decode step has a new shape every time (the past grows by one): a memory pattern planned
      // for one shape is never reused, and planning one per step costs time and memory.
      so.setMemoryPatternOptimization(false);
      so.addConfigEntry("session.intra_op.allow_spinning", options.allowSpinning() ? "1" : "0");
      Device used = selectDevice(so, options.device());
      OrtSession session = env.createSession(files.onnxFile().toString(), so);
      ModelSpec spec;
      try {
        spec = ModelLayoutReader.describe(files, session.getInputInfo(), session.getOutputInfo());
      } catch (RuntimeException e) {
        session.close();
        throw e;
      }
      log.info(
          "Loaded {} ({} layers, {} kv heads, head dim {}, vocab {}, context {}, kv {} {}) using {}",
          spec.name(),
          spec.numLayers(),
          spec.kvHeads(),
          spec.headDim(),
          spec.vocabSize(),
          spec.contextLength(),
          spec.kvType(),
          spec.sharedKvBuffer() ? "shared in place" : "growing",
          used);
      return new DecoderSession(env, session, spec, used);
    } catch (OrtException e) {
      throw new ModelLayoutException(
          "ONNX Runtime cannot load " + files.onnxFile() + ": " + e.getMessage(), e);
    }
  }

  private static Device selectDevice(OrtSession.SessionOptions so, Device wanted)
      throws OrtException {
    if (wanted == Device.CPU) {
      return Device.CPU;
    }
    try {
      so.addCUDA(0);
      return Device.CUDA;
    } catch (OrtException | RuntimeException | LinkageError e) {
      if (wanted == Device.CUDA_REQUIRED) {
        throw new ModelLayoutException(
            "llm.inference.device=cuda-required but CUDA cannot load (build with -Pgpu, CUDA 12 + cuDNN 9): "
                + e.getMessage(),
            e);
      }
      log.warn("CUDA execution provider cannot load ({}); falling back to CPU", e.getMessage());
      return Device.CPU;
    }
  }

  private static OptLevel optLevel(String level) {
    return switch (level.toLowerCase(Locale.ROOT)) {
      case "none", "disable", "off" -> OptLevel.NO_OPT;
      case "basic" -> OptLevel.BASIC_OPT;
      case "extended" -> OptLevel.EXTENDED_OPT;
      case "all" -> OptLevel.ALL_OPT;
      default ->
          throw new IllegalArgumentException(
              "llm.inference.optimization-level must be none, basic, extended or all");
    };
  }

  /** Runs the graph, writing every output into the caller's pinned tensors. */
  public void run(
      Map<String, ? extends OnnxTensorLike> inputs, Map<String, ? extends OnnxValue> pinnedOutputs)
      throws OrtException {
    try (OrtSession.Result ignored = session.run(inputs, Set.of(), pinnedOutputs)) {
      // every output is pinned: the result owns nothing
    }
  }

  public OrtEnvironment env() {
    return env;
  }

  public ModelSpec spec() {
    return spec;
  }

  /** ORT Java's session, for the C API calls ORT Java lacks ({@link OrtIoBinding}). */
  OrtSession ortSession() {
    return session;
  }

  public Device deviceInUse() {
    return deviceInUse;
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
