package org.llmplatform.inference.naive;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX file the naive executor needs, read straight from its protobuf encoding (no
 * ONNX Runtime, no protobuf library): the graph's nodes (name, op type, inputs, outputs) and its
 * float initializers (fp32 or fp16, raw or in {@code float_data}), widened to fp32. Field numbers
 * from onnx.proto: ModelProto.graph 7; GraphProto.node 1, initializer 5; NodeProto.input 1, output
 * 2, name 3, op_type 4; TensorProto.dims 1, data_type 2, float_data 4, int32_data 5, name 8,
 * raw_data 9.
 */
record OnnxGraphFile(List<Node> nodes, Map<String, Tensor> initializers) {

  record Node(String name, String opType, List<String> inputs, List<String> outputs) {}

  /** A float initializer: its dims and its values, row-major, fp32. */
  record Tensor(long[] dims, float[] values) {}

  private static final int FLOAT = 1;
  private static final int FLOAT16 = 10;

  static OnnxGraphFile read(Path onnxFile) throws IOException {
    ByteBuffer model = ByteBuffer.wrap(Files.readAllBytes(onnxFile));
    List<Node> nodes = new ArrayList<>();
    Map<String, Tensor> initializers = new HashMap<>();
    for (Field f = Field.next(model); f != null; f = Field.next(model)) {
      if (f.number == 7) {
        ByteBuffer graph = f.bytes;
        for (Field g = Field.next(graph); g != null; g = Field.next(graph)) {
          if (g.number == 1) {
            nodes.add(node(g.bytes));
          } else if (g.number == 5) {
            tensor(g.bytes, initializers);
          }
        }
      }
    }
    return new OnnxGraphFile(nodes, initializers);
  }

  private static Node node(ByteBuffer buf) {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    String name = "";
    String op = "";
    for (Field f = Field.next(buf); f != null; f = Field.next(buf)) {
      switch (f.number) {
        case 1 -> inputs.add(f.string());
        case 2 -> outputs.add(f.string());
        case 3 -> name = f.string();
        case 4 -> op = f.string();
        default -> {}
      }
    }
    return new Node(name, op, inputs, outputs);
  }

  private static void tensor(ByteBuffer buf, Map<String, Tensor> out) {
    List<Long> dims = new ArrayList<>();
    int type = 0;
    String name = "";
    ByteBuffer raw = null;
    List<Float> floats = new ArrayList<>();
    List<Integer> int32s = new ArrayList<>();
    for (Field f = Field.next(buf); f != null; f = Field.next(buf)) {
      switch (f.number) {
        case 1 -> f.varints(v -> dims.add(v));
        case 2 -> type = (int) f.varint;
        case 4 -> f.fixed32s(v -> floats.add(Float.intBitsToFloat(v)));
        case 5 -> f.varints(v -> int32s.add((int) (long) v));
        case 8 -> name = f.string();
        case 9 -> raw = f.bytes.order(ByteOrder.LITTLE_ENDIAN);
        default -> {}
      }
    }
    if (type != FLOAT && type != FLOAT16) {
      return;
    }
    long count = 1;
    for (long d : dims) {
      count *= d;
    }
    float[] values = new float[(int) count];
    for (int i = 0; i < values.length; i++) {
      if (raw != null) {
        values[i] = type == FLOAT ? raw.getFloat(4 * i) : Float.float16ToFloat(raw.getShort(2 * i));
      } else {
        values[i] =
            type == FLOAT ? floats.get(i) : Float.float16ToFloat((short) (int) int32s.get(i));
      }
    }
    out.put(name, new Tensor(dims.stream().mapToLong(Long::longValue).toArray(), values));
  }

  /** One protobuf field: its number and, by wire type, its varint or its bytes. */
  private static final class Field {
    int number;
    int wireType;
    long varint;
    ByteBuffer bytes;

    static Field next(ByteBuffer buf) {
      if (!buf.hasRemaining()) {
        return null;
      }
      Field f = new Field();
      long key = readVarint(buf);
      f.number = (int) (key >>> 3);
      f.wireType = (int) (key & 7);
      switch (f.wireType) {
        case 0 -> f.varint = readVarint(buf);
        case 1 -> f.bytes = slice(buf, 8);
        case 2 -> f.bytes = slice(buf, (int) readVarint(buf));
        case 5 -> f.bytes = slice(buf, 4);
        default -> throw new IllegalStateException("protobuf wire type " + f.wireType);
      }
      return f;
    }

    String string() {
      byte[] b = new byte[bytes.remaining()];
      bytes.duplicate().get(b);
      return new String(b, StandardCharsets.UTF_8);
    }

    /** A repeated varint, packed (wire type 2) or one value. */
    void varints(java.util.function.LongConsumer each) {
      if (wireType == 0) {
        each.accept(varint);
        return;
      }
      ByteBuffer b = bytes.duplicate();
      while (b.hasRemaining()) {
        each.accept(readVarint(b));
      }
    }

    /** A repeated 32-bit value, packed or one. */
    void fixed32s(java.util.function.IntConsumer each) {
      ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      while (b.remaining() >= 4) {
        each.accept(b.getInt());
      }
    }

    private static ByteBuffer slice(ByteBuffer buf, int length) {
      ByteBuffer s = buf.slice(buf.position(), length);
      buf.position(buf.position() + length);
      return s;
    }

    private static long readVarint(ByteBuffer buf) {
      long value = 0;
      for (int shift = 0; ; shift += 7) {
        byte b = buf.get();
        value |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return value;
        }
      }
    }
  }
}
