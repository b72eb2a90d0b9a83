package org.llmplatform.inference.runtime;

import ai.onnxruntime.OnnxJavaType;

/** Element type of the KV cache and logits tensors: what the model exported, fp32 or fp16. */
public enum TensorType {
  FLOAT32(4, OnnxJavaType.FLOAT),
  FLOAT16(2, OnnxJavaType.FLOAT16);

  private final int bytes;
  private final OnnxJavaType onnxType;

  TensorType(int bytes, OnnxJavaType onnxType) {
    this.bytes = bytes;
    this.onnxType = onnxType;
  }

  /** Size of one element in bytes. */
  public int bytes() {
    return bytes;
  }

  public OnnxJavaType onnxType() {
    return onnxType;
  }

  static TensorType of(OnnxJavaType type, String what) {
    return switch (type) {
      case FLOAT -> FLOAT32;
      case FLOAT16 -> FLOAT16;
      default ->
          throw new ModelLayoutException(
              what + " has element type " + type + "; only fp32 and fp16 are served");
    };
  }
}
