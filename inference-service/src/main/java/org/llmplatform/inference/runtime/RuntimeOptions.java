package org.llmplatform.inference.runtime;

/**
 * ONNX Runtime session settings.
 *
 * @param device execution provider choice
 * @param intraOpThreads threads inside one operator; 0 lets ONNX Runtime choose
 * @param interOpThreads threads across operators; 0 lets ONNX Runtime choose
 * @param optimizationLevel graph optimisation: none, basic, extended or all
 */
public record RuntimeOptions(
    Device device, int intraOpThreads, int interOpThreads, String optimizationLevel) {
  public RuntimeOptions {
    if (device == null) {
      throw new IllegalArgumentException("device is required");
    }
    if (intraOpThreads < 0 || interOpThreads < 0) {
      throw new IllegalArgumentException("thread counts must be >= 0");
    }
    if (optimizationLevel == null) {
      optimizationLevel = "all";
    }
  }

  /** CPU, ONNX Runtime's thread defaults, all optimisations. */
  public static RuntimeOptions cpuDefaults() {
    return new RuntimeOptions(Device.CPU, 0, 0, "all");
  }
}
