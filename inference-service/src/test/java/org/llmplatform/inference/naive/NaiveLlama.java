package org.llmplatform.inference.naive;

/**
 * A Llama decoder's forward pass in plain loops: RMSNorm, rotary embeddings (rotate-half form),
 * grouped-query causal attention, SwiGLU MLP, as model-tools' {@code llama.py} defines it. No KV
 * cache: every call recomputes the whole sequence, so it is slow and obviously right, the reference
 * the optimised executors are checked against. Accumulates in double; an fp16 model's keys, values
 * and logits are rounded to fp16 where its graph stores them.
 */
final class NaiveLlama {

  private final LlamaConfig cfg;
  private final LlamaWeights w;
  private final float[] invFreq; // [head_dim / 2]

  NaiveLlama(LlamaConfig cfg, LlamaWeights weights) {
    this.cfg = cfg;
    this.w = weights;
    int half = cfg.headDim() / 2;
    this.invFreq = new float[half];
    for (int i = 0; i < half; i++) {
      invFreq[i] = (float) (1.0 / Math.pow(cfg.ropeTheta(), (2.0 * i) / cfg.headDim()));
    }
  }

  LlamaConfig config() {
    return cfg;
  }

  /** The logits of the last of {@code tokens} (positions 0 to n - 1), [vocab]. */
  float[] lastLogits(int[] tokens) {
    int n = tokens.length;
    int h = cfg.hidden();
    float[][] x = new float[n][];
    for (int t = 0; t < n; t++) {
      x[t] = new float[h];
      System.arraycopy(w.embed(), tokens[t] * h, x[t], 0, h);
    }
    for (LlamaWeights.Layer layer : w.layers()) {
      float[][] attn = attention(layer, rmsNorm(x, layer.inputNorm()));
      add(x, attn);
      float[][] mlp = mlp(layer, rmsNorm(x, layer.postNorm()));
      add(x, mlp);
    }
    float[] last = rmsNorm(new float[][] {x[n - 1]}, w.norm())[0];
    float[] logits = matmul(last, w.lmHead(), cfg.vocabSize());
    for (int i = 0; i < logits.length; i++) {
      logits[i] = stored(logits[i]);
    }
    return logits;
  }

  private float[][] attention(LlamaWeights.Layer layer, float[][] x) {
    int n = x.length;
    int d = cfg.headDim();
    int q = cfg.qWidth();
    int kv = cfg.kvWidth();
    int groups = cfg.heads() / cfg.kvHeads();
    float[][] qkv = new float[n][];
    for (int t = 0; t < n; t++) {
      qkv[t] = matmul(x[t], layer.qkv(), q + 2 * kv);
      for (int head = 0; head < cfg.heads(); head++) {
        rotate(qkv[t], head * d, t);
      }
      for (int head = 0; head < cfg.kvHeads(); head++) {
        rotate(qkv[t], q + head * d, t);
      }
      for (int i = q; i < q + 2 * kv; i++) {
        qkv[t][i] = stored(qkv[t][i]); // the KV cache's element type
      }
    }
    float[][] out = new float[n][q];
    double scale = 1 / Math.sqrt(d);
    for (int t = 0; t < n; t++) {
      for (int head = 0; head < cfg.heads(); head++) {
        int qAt = head * d;
        int kAt = q + (head / groups) * d;
        int vAt = q + kv + (head / groups) * d;
        double[] scores = new double[t + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int s = 0; s <= t; s++) {
          double dot = 0;
          for (int i = 0; i < d; i++) {
            dot += (double) qkv[t][qAt + i] * qkv[s][kAt + i];
          }
          scores[s] = dot * scale;
          max = Math.max(max, scores[s]);
        }
        double sum = 0;
        for (int s = 0; s <= t; s++) {
          scores[s] = Math.exp(scores[s] - max);
          sum += scores[s];
        }
        for (int i = 0; i < d; i++) {
          double acc = 0;
          for (int s = 0; s <= t; s++) {
            acc += scores[s] * qkv[s][vAt + i];
          }
          out[t][qAt + i] = (float) (acc / sum);
        }
      }
    }
    float[][] projected = new float[n][];
    for (int t = 0; t < n; t++) {
      projected[t] = matmul(out[t], layer.out(), cfg.hidden());
    }
    return projected;
  }

  /**
   * Rotary embedding of one head at {@code at}, position {@code pos}: (x1, x2) rotated by angle.
   */
  private void rotate(float[] v, int at, int pos) {
    int half = cfg.headDim() / 2;
    for (int i = 0; i < half; i++) {
      float angle = pos * invFreq[i];
      double cos = Math.cos(angle);
      double sin = Math.sin(angle);
      double x1 = v[at + i];
      double x2 = v[at + half + i];
      v[at + i] = (float) (x1 * cos - x2 * sin);
      v[at + half + i] = (float) (x2 * cos + x1 * sin);
    }
  }

  private float[][] mlp(LlamaWeights.Layer layer, float[][] x) {
    int inter = cfg.intermediate();
    float[][] out = new float[x.length][];
    for (int t = 0; t < x.length; t++) {
      float[] gu = matmul(x[t], layer.gateUp(), 2 * inter);
      float[] act = new float[inter];
      for (int i = 0; i < inter; i++) {
        double g = gu[i];
        act[i] = (float) (g / (1 + Math.exp(-g)) * gu[inter + i]);
      }
      out[t] = matmul(act, layer.down(), cfg.hidden());
    }
    return out;
  }

  private float[][] rmsNorm(float[][] x, float[] weight) {
    float[][] out = new float[x.length][];
    for (int t = 0; t < x.length; t++) {
      double sq = 0;
      for (float v : x[t]) {
        sq += (double) v * v;
      }
      double inv = 1 / Math.sqrt(sq / x[t].length + cfg.rmsNormEps());
      out[t] = new float[x[t].length];
      for (int i = 0; i < x[t].length; i++) {
        out[t][i] = (float) (x[t][i] * inv * weight[i]);
      }
    }
    return out;
  }

  private float stored(float v) {
    return cfg.fp16() ? Float.float16ToFloat(Float.floatToFloat16(v)) : v;
  }

  /** x [in] · m [in][cols]. */
  private static float[] matmul(float[] x, float[] m, int cols) {
    double[] acc = new double[cols];
    for (int i = 0; i < x.length; i++) {
      double xi = x[i];
      int row = i * cols;
      for (int c = 0; c < cols; c++) {
        acc[c] += xi * m[row + c];
      }
    }
    float[] out = new float[cols];
    for (int c = 0; c < cols; c++) {
      out[c] = (float) acc[c];
    }
    return out;
  }

  private static void add(float[][] x, float[][] delta) {
    for (int t = 0; t < x.length; t++) {
      for (int i = 0; i < x[t].length; i++) {
        x[t][i] += delta[t][i];
      }
    }
  }
}
