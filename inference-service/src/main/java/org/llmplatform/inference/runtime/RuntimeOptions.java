package org.llmplatform.inference.runtime;

/**
 * ONNX Runtime session settings.
 *
 * @param device execution provider choice
 * @param intraOpThreads threads inside one operator; 0 lets ONNX Runtime choose
 * @param interOpThreads threads across operators; 0 lets ONNX Runtime choose
 * @param optimizationLevel graph optimisation: none, basic, extended or all
 * @param allowSpinning whether idle intra-op threads spin-wait for work (ONNX Runtime's default);
 *     off, they sleep, which costs a little latency on an idle machine and saves a great deal on a
 *     machine whose cores are shared (a spinning thread steals the core another one needs)
 */
public record RuntimeOptions(
    Device device,
    int intraOpThreads,
    int interOpThreads,
    String optimizationLevel,
    boolean allowSpinning) {
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

  /** Threads that sleep when idle. */
  public RuntimeOptions(
      Device device, int intraOpThreads, int interOpThreads, String optimizationLevel) {
    this(device, intraOpThreads, interOpThreads, optimizationLevel, false);
  }

  /** CPU, ONNX Runtime's thread defaults, all optimisations, no spinning. */
  public static RuntimeOptions cpuDefaults() {
    return new RuntimeOptions(Device.CPU, 0, 0, "all", false);
  }
}
