package org.llmplatform.inference.sampling;

import java.util.ArrayList;
import java.util.List;

/** Log-probabilities from logits. */
public final class LogSoftmax {

  private LogSoftmax() {}

  /** log(sum(exp(logits))), computed stably. */
  public static double logSumExp(float[] logits) {
    float max = Float.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : logits) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum);
  }

  /**
   * The {@code n} most likely ids with their log-probabilities, most likely first (ties: lower id);
   * ids at -inf (masked out) are not among them.
   */
  public static List<TokenChoice.Alternative> top(float[] logits, double logSumExp, int n) {
    int[] best = new int[Math.min(n, logits.length)];
    if (best.length == 0) {
      return List.of(); // logprobs 0: the chosen token's logprob, no alternatives
    }
    int size = 0;
    for (int id = 0; id < logits.length; id++) {
      if (logits[id] == Float.NEGATIVE_INFINITY) {
        continue; // masked out (a constraint): not an alternative
      }
      if (size < best.length) {
        best[size++] = id;
      } else if (logits[id] > logits[best[size - 1]]) {
        best[size - 1] = id;
      } else {
        continue;
      }
      for (int j = size - 1; j > 0 && logits[best[j]] > logits[best[j - 1]]; j--) {
        int t = best[j];
        best[j] = best[j - 1];
        best[j - 1] = t;
      }
    }
    List<TokenChoice.Alternative> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(new TokenChoice.Alternative(best[i], logits[best[i]] - logSumExp));
    }
    return out;
  }
}
