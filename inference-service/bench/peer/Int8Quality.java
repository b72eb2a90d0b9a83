import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.llmplatform.inference.engine.ModelExecutor;
import org.llmplatform.inference.engine.OnnxModelExecutor;
import org.llmplatform.inference.kvcache.KvCache;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * int8 against fp32 through the engine's executor (ONNX Runtime CPU, KV cache), in one process:
 *
 * <ul>
 *   <li>logits: for each prompt (reference.json's, else 4 seeded random prompts of 16 ids), both models
 *       decode the fp32 greedy path for 40 steps; max and mean |logit difference|, steps whose argmax
 *       agrees, and how many tokens the int8 model's own greedy ids follow the fp32 ones;
 *   <li>loss (with a conversations file from conversation_ids.py): teacher-forced next-token
 *       cross-entropy over all tokens and over the assistant's tokens, fp32 and int8.
 * </ul>
 *
 * Run with the test classpath (int8.sh does): {@code java -cp CP Int8Quality.java FP32 INT8 [CONV]}.
 */
public class Int8Quality {

  static final int STEPS = 40;

  public static void main(String[] args) throws Exception {
    Path fp32Dir = Path.of(args[0]);
    Path int8Dir = Path.of(args[1]);
    try (var fp32 = open(fp32Dir);
        var int8 = open(int8Dir)) {
      int vocab = fp32.spec().vocabSize();
      List<int[]> prompts = prompts(fp32Dir, vocab);
      double maxDiff = 0;
      double sumDiff = 0;
      long cells = 0;
      int agreeSteps = 0;
      List<Integer> follow = new ArrayList<>();
      for (int[] prompt : prompts) {
        float[][] a = {new float[vocab]};
        float[][] b = {new float[vocab]};
        int8.prefill(prompt, a[0]);
        fp32.prefill(prompt, b[0]);
        float[] firstInt8 = a[0].clone();
        start(int8, prompt.length);
        start(fp32, prompt.length);
        int[] path = new int[STEPS];
        for (int s = 0; s < STEPS; s++) {
          for (int i = 0; i < vocab; i++) {
            double d = Math.abs(a[0][i] - b[0][i]);
            maxDiff = Math.max(maxDiff, d);
            sumDiff += d;
          }
          cells += vocab;
          path[s] = argmax(b[0]);
          agreeSteps += argmax(a[0]) == path[s] ? 1 : 0;
          int len = prompt.length + s;
          int8.decode(new int[] {path[s]}, new int[] {len}, new int[] {len}, a);
          fp32.decode(new int[] {path[s]}, new int[] {len}, new int[] {len}, b);
        }
        int8.prefill(prompt, firstInt8);
        int[] own = greedy(int8, prompt, firstInt8);
        int n = 0;
        while (n < STEPS && own[n] == path[n]) {
          n++;
        }
        follow.add(n);
      }
      System.out.printf(
          "%s vs %s: %d prompts x %d steps: max |logit diff| %.4f, mean %.5f, argmax agrees %d/%d"
              + " steps (teacher-forced), own greedy ids follow fp32 for %s tokens%n",
          int8Dir.getFileName(),
          fp32Dir.getFileName(),
          prompts.size(),
          STEPS,
          maxDiff,
          sumDiff / cells,
          agreeSteps,
          prompts.size() * STEPS,
          follow);
      if (args.length > 2) {
        double[] lossFp32 = loss(fp32, Path.of(args[2]));
        double[] lossInt8 = loss(int8, Path.of(args[2]));
        System.out.printf(
            "loss over %s: all tokens fp32 %.4f int8 %.4f (diff %+.4f); assistant tokens fp32 %.4f"
                + " int8 %.4f (diff %+.4f)%n",
            Path.of(args[2]).getFileName(),
            lossFp32[0],
            lossInt8[0],
            lossInt8[0] - lossFp32[0],
            lossFp32[1],
            lossInt8[1],
            lossInt8[1] - lossFp32[1]);
      }
    }
  }

  /** Teacher-forced mean cross-entropy: {all tokens, assistant tokens}. */
  static double[] loss(ModelExecutor ex, Path conversations) throws Exception {
    JsonMapper json = JsonMapper.builder().build();
    double all = 0;
    double own = 0;
    long nAll = 0;
    long nOwn = 0;
    for (String line : Files.readAllLines(conversations)) {
      JsonNode c = json.readTree(line);
      int[] ids = ints(c.path("ids"));
      int[] mask = ints(c.path("mask"));
      float[][] logits = {new float[ex.spec().vocabSize()]};
      ex.prefill(new int[] {ids[0]}, logits[0]);
      start(ex, 1);
      for (int t = 1; t < ids.length; t++) {
        double nll = -logSoftmax(logits[0], ids[t]);
        all += nll;
        nAll++;
        if (mask[t] == 1) {
          own += nll;
          nOwn++;
        }
        if (t < ids.length - 1) {
          ex.decode(new int[] {ids[t]}, new int[] {t}, new int[] {t}, logits);
        }
      }
    }
    return new double[] {all / nAll, own / nOwn};
  }

  static double logSoftmax(float[] v, int i) {
    double max = Double.NEGATIVE_INFINITY;
    for (float f : v) {
      max = Math.max(max, f);
    }
    double sum = 0;
    for (float f : v) {
      sum += Math.exp(f - max);
    }
    return v[i] - max - Math.log(sum);
  }

  static List<int[]> prompts(Path dir, int vocab) throws Exception {
    List<int[]> out = new ArrayList<>();
    Path ref = dir.resolve("reference.json");
    if (Files.isRegularFile(ref)) {
      for (JsonNode c : JsonMapper.builder().build().readTree(Files.readString(ref)).path("cases")) {
        out.add(ints(c.path("prompt_ids")));
      }
      return out;
    }
    SplittableRandom rng = new SplittableRandom(9);
    for (int p = 0; p < 4; p++) {
      out.add(rng.ints(16, 4, vocab).toArray());
    }
    return out;
  }

  static int[] greedy(ModelExecutor ex, int[] prompt, float[] first) throws Exception {
    int[] out = new int[STEPS];
    float[][] rows = {first};
    start(ex, prompt.length);
    for (int i = 0; i < STEPS; i++) {
      out[i] = argmax(rows[0]);
      int len = prompt.length + i;
      ex.decode(new int[] {out[i]}, new int[] {len}, new int[] {len}, rows);
    }
    return out;
  }

  static void start(ModelExecutor ex, int length) {
    ex.batchCache().gather(List.of(new KvCache.KvRow(ex.prefillCache(), 0, length)));
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  static OnnxModelExecutor open(Path dir) {
    return new OnnxModelExecutor(DecoderSession.open(dir, RuntimeOptions.cpuDefaults()));
  }
}
