package org.llmplatform.inference.runtime;

/** Where ONNX Runtime runs the model, chosen once at start-up. */
public enum Device {
  /** The CPU execution provider. */
  CPU,
  /** CUDA when it loads, else CPU with a warning. */
  CUDA,
  /** CUDA or fail at start-up. */
  CUDA_REQUIRED;

  /** Parses the configuration value {@code cpu|cuda|cuda-required}. */
  public static Device parse(String value) {
    return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "cpu" -> CPU;
      case "cuda" -> CUDA;
      case "cuda-required", "cuda_required" -> CUDA_REQUIRED;
      default ->
          throw new IllegalArgumentException(
              "llm.inference.device must be cpu, cuda or cuda-required, not " + value);
    };
  }
}
