package org.llmplatform.inference.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.llmplatform.inference.kvcache.KvCache.KvRow;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.Device;
import org.llmplatform.inference.runtime.RuntimeOptions;

/**
 * Parity check of a device (run by {@code bench/gpu-check.sh}; not a test): the same batch —
 * prompts joining and leaving at different steps — through three executors: pinned outputs on the
 * CPU (the reference), pinned outputs on the device and IoBinding on the device (KV in device
 * memory). Every executor is fed the reference's greedy tokens, so each step's logits are
 * comparable even where a near-tie makes the argmax differ. Prints the largest logit differences
 * and argmax agreement; exits 1 when IoBinding differs from pinned on the device by more than
 * {@code llm.check.same-device-tol} (1e-4) or the device from the CPU by more than {@code
 * llm.check.cross-device-tol} (5e-2: CUDA may use TF32 matmuls and other kernels).
 *
 * <p>Arguments: model dir, decode steps (24). System property {@code llm.bench.device}
 * (cuda-required; cpu runs the same flow on the CPU, for a dry run).
 */
public final class DeviceParityCheck {

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 24;
    Device device = Device.parse(System.getProperty("llm.bench.device", "cuda-required"));
    double sameTol = Double.parseDouble(System.getProperty("llm.check.same-device-tol", "1e-4"));
    double crossTol = Double.parseDouble(System.getProperty("llm.check.cross-device-tol", "5e-2"));
    var onDevice = new RuntimeOptions(device, 0, 0, "all");
    try (var cpu = new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults()));
        var pinned = new OnnxModelExecutor(DecoderSession.open(model, onDevice));
        var bound = new IoBindingModelExecutor(DecoderSession.open(model, onDevice))) {
      List<ModelExecutor> executors = List.of(cpu, pinned, bound);
      int vocab = cpu.spec().vocabSize();
      var rng = new SplittableRandom(7);
      int[] promptLengths = {5, 9, 2, 13, 7};
      List<Integer> tokens = new ArrayList<>();
      List<Integer> lengths = new ArrayList<>();
      double sameMax = 0;
      double crossMax = 0;
      int compared = 0;
      int argmaxSame = 0;
      int argmaxCross = 0;
      int joined = 0;
      for (int step = 0; step < steps; step++) {
        if (step % 4 == 0 && joined < promptLengths.length) {
          int[] prompt = rng.ints(promptLengths[joined], 3, Math.min(vocab, 500)).toArray();
          float[][] logits = new float[3][vocab];
          for (int e = 0; e < 3; e++) {
            var x = executors.get(e);
            x.prefill(prompt, logits[e]);
            List<KvRow> layout = new ArrayList<>();
            for (int r = 0; r < tokens.size(); r++) {
              layout.add(new KvRow(x.batchCache(), r, lengths.get(r)));
            }
            layout.add(new KvRow(x.prefillCache(), 0, prompt.length));
            x.batchCache().gather(layout);
          }
          tokens.add(OnnxModelExecutorParityTest.argmax(logits[0]));
          lengths.add(prompt.length);
          joined++;
        }
        if (step == 10 || step == 17) {
          for (var x : executors) {
            List<KvRow> layout = new ArrayList<>();
            for (int r = 1; r < tokens.size(); r++) {
              layout.add(new KvRow(x.batchCache(), r, lengths.get(r)));
            }
            x.batchCache().gather(layout);
          }
          tokens.removeFirst();
          lengths.removeFirst();
        }
        int rows = tokens.size();
        int[] t = tokens.stream().mapToInt(Integer::intValue).toArray();
        int[] len = lengths.stream().mapToInt(Integer::intValue).toArray();
        float[][][] logits = new float[3][rows][vocab];
        for (int e = 0; e < 3; e++) {
          executors.get(e).decode(t, len, len, logits[e]);
        }
        for (int r = 0; r < rows; r++) {
          sameMax = Math.max(sameMax, maxDiff(logits[2][r], logits[1][r]));
          crossMax = Math.max(crossMax, maxDiff(logits[2][r], logits[0][r]));
          int ref = OnnxModelExecutorParityTest.argmax(logits[0][r]);
          argmaxSame +=
              OnnxModelExecutorParityTest.argmax(logits[2][r])
                      == OnnxModelExecutorParityTest.argmax(logits[1][r])
                  ? 1
                  : 0;
          argmaxCross += OnnxModelExecutorParityTest.argmax(logits[2][r]) == ref ? 1 : 0;
          compared++;
          tokens.set(r, ref);
          lengths.set(r, lengths.get(r) + 1);
        }
      }
      boolean ok = sameMax <= sameTol && crossMax <= crossTol;
      System.out.printf(
          Locale.ROOT,
          "%s parity on %s (%d row-steps, rows joining and leaving): iobinding vs pinned on the"
              + " device max |dlogit| %.3g (tol %.0e), argmax equal %d/%d; device vs cpu max"
              + " |dlogit| %.3g (tol %.0e), argmax equal %d/%d -> %s%n",
          cpu.spec().name(),
          bound.device(),
          compared,
          sameMax,
          sameTol,
          argmaxSame,
          compared,
          crossMax,
          crossTol,
          argmaxCross,
          compared,
          ok ? "PASS" : "FAIL");
      if (!ok) {
        System.exit(1);
      }
    }
  }

  static double maxDiff(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }
}
