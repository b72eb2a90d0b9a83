package org.llmplatform.inference.naive;

import java.util.HashMap;
import java.util.Map;
import org.llmplatform.inference.naive.OnnxGraphFile.Node;
import org.llmplatform.inference.naive.OnnxGraphFile.Tensor;

/**
 * A Llama decoder's weights, read from its ONNX graph. Matrices are [in][out] row-major (x · W), as
 * a MatMul's right-hand side: {@code qkv} is q, k and v side by side [hidden][q + 2 kv], {@code
 * gateUp} gate and up [hidden][2 intermediate].
 *
 * <p>Two exports are read. model-tools' fp32 export folds the weights into constants named after
 * nothing ({@code onnx::MatMul_322}): they are found by the node that consumes them ({@code
 * /inner/layers.0/self_attn/MatMul}) and their shape, as {@code model-tools/llmtools/reexport.py}
 * reads them back. Its fp16 export keeps the parameters' own names ({@code
 * inner.layers.0.self_attn.q_proj.weight}, nn.Linear's [out][in]). Equal tensors are stored once
 * and fed to the others through Identity nodes; fp16 ones through Cast nodes: both stand for their
 * input.
 */
record LlamaWeights(float[] embed, Layer[] layers, float[] norm, float[] lmHead) {

  /**
   * @param inputNorm [hidden]
   * @param qkv [hidden][q + 2 kv]
   * @param out [q][hidden]
   * @param postNorm [hidden]
   * @param gateUp [hidden][2 intermediate]
   * @param down [intermediate][hidden]
   */
  record Layer(
      float[] inputNorm,
      float[] qkv,
      float[] out,
      float[] postNorm,
      float[] gateUp,
      float[] down) {}

  static LlamaWeights of(OnnxGraphFile graph, LlamaConfig cfg) {
    Map<String, Tensor> w = new HashMap<>(graph.initializers());
    for (Node n : graph.nodes()) {
      if ((n.opType().equals("Identity") || n.opType().equals("Cast"))
          && w.containsKey(n.inputs().getFirst())) {
        w.put(n.outputs().getFirst(), w.get(n.inputs().getFirst()));
      }
    }
    return w.containsKey("inner.embed_tokens.weight") ? named(w, cfg) : folded(graph, w, cfg);
  }

  private static LlamaWeights named(Map<String, Tensor> w, LlamaConfig cfg) {
    Layer[] layers = new Layer[cfg.layers()];
    for (int l = 0; l < layers.length; l++) {
      String p = "inner.layers." + l + ".";
      layers[l] =
          new Layer(
              w.get(p + "input_layernorm.weight").values(),
              concatColumns(
                  transpose(w.get(p + "self_attn.q_proj.weight")),
                  transpose(w.get(p + "self_attn.k_proj.weight")),
                  transpose(w.get(p + "self_attn.v_proj.weight"))),
              transpose(w.get(p + "self_attn.o_proj.weight")).values(),
              w.get(p + "post_attention_layernorm.weight").values(),
              concatColumns(
                  transpose(w.get(p + "mlp.gate_proj.weight")),
                  transpose(w.get(p + "mlp.up_proj.weight"))),
              transpose(w.get(p + "mlp.down_proj.weight")).values());
    }
    Tensor embed = w.get("inner.embed_tokens.weight");
    Tensor head = w.getOrDefault("inner.lm_head.weight", embed);
    return new LlamaWeights(
        embed.values(), layers, w.get("inner.norm.weight").values(), transpose(head).values());
  }

  private static LlamaWeights folded(OnnxGraphFile graph, Map<String, Tensor> w, LlamaConfig cfg) {
    float[][][] parts = new float[cfg.layers()][6][];
    float[] embed = null;
    float[] norm = null;
    float[] lmHead = null;
    for (Node n : graph.nodes()) {
      String path = n.name().replaceFirst("^/inner/", "");
      for (String input : n.inputs()) {
        Tensor t = w.get(input);
        if (t == null) {
          continue;
        }
        long rows = t.dims()[0];
        long cols = t.dims().length == 2 ? t.dims()[1] : 0;
        if (n.opType().equals("Gather") && cols > 0) {
          embed = t.values();
        } else if (path.equals("norm/Mul_1")) {
          norm = t.values();
        } else if (path.equals("MatMul")) {
          lmHead = t.values();
        } else if (path.startsWith("layers.")) {
          int slash = path.indexOf('/');
          float[][] layer = parts[Integer.parseInt(path.substring("layers.".length(), slash))];
          String rest = path.substring(slash + 1);
          int part =
              switch (rest) {
                case "input_layernorm/Mul_1" -> 0;
                case "post_attention_layernorm/Mul_1" -> 3;
                case "self_attn/MatMul" -> cols == cfg.qWidth() + 2L * cfg.kvWidth() ? 1 : -1;
                case "mlp/MatMul" -> cols == 2L * cfg.intermediate() ? 4 : -1;
                case "mlp/MatMul_1" -> rows == cfg.intermediate() ? 5 : -1;
                default ->
                    rest.startsWith("self_attn/MatMul_")
                            && rows == cfg.qWidth()
                            && cols == cfg.hidden()
                        ? 2
                        : -1;
              };
          if (part < 0) {
            throw new IllegalStateException("unexpected weight " + input + " at " + path);
          }
          layer[part] = t.values();
        }
      }
    }
    Layer[] layers = new Layer[cfg.layers()];
    for (int l = 0; l < layers.length; l++) {
      float[][] p = parts[l];
      for (float[] part : p) {
        if (part == null) {
          throw new IllegalStateException("layer " + l + " misses a weight: an export not read");
        }
      }
      layers[l] = new Layer(p[0], p[1], p[2], p[3], p[4], p[5]);
    }
    if (embed == null || norm == null || lmHead == null) {
      throw new IllegalStateException("embedding, final norm or lm_head not found");
    }
    return new LlamaWeights(embed, layers, norm, lmHead);
  }

  /** [rows][cols] as [cols][rows]. */
  private static Tensor transpose(Tensor t) {
    int rows = (int) t.dims()[0];
    int cols = (int) t.dims()[1];
    float[] out = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = t.values()[r * cols + c];
      }
    }
    return new Tensor(new long[] {cols, rows}, out);
  }

  /** Matrices of equal rows, side by side. */
  private static float[] concatColumns(Tensor... parts) {
    int rows = (int) parts[0].dims()[0];
    int width = 0;
    for (Tensor p : parts) {
      width += (int) p.dims()[1];
    }
    float[] out = new float[rows * width];
    int at = 0;
    for (Tensor p : parts) {
      int cols = (int) p.dims()[1];
      for (int r = 0; r < rows; r++) {
        System.arraycopy(p.values(), r * cols, out, r * width + at, cols);
      }
      at += cols;
    }
    return out;
  }
}
