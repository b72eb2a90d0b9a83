package org.llmplatform.inference.engine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.Device;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.llmplatform.inference.sampling.SamplingParams;

/**
 * Cost of one request of n choices against n requests of one choice that give the same tokens
 * (seeds s .. s + n - 1, submitted together): prefill passes and prompt tokens run, wall time and
 * process CPU time, in interleaved rounds (a fresh random prompt each; prefix reuse off, so neither
 * side reuses the other's KV). Not a test.
 *
 * <p>Arguments: model dir, prompt tokens (256), new tokens (32), n (4), rounds (5).
 */
public final class ChoicesBenchmark {

  record Sample(int passes, int prefilledTokens, double wallMs, double cpuMs, double ttftMs) {}

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    int promptTokens = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    int newTokens = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int n = args.length > 3 ? Integer.parseInt(args[3]) : 4;
    int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
    var options =
        new RuntimeOptions(Device.CPU, Integer.getInteger("llm.bench.threads", 0), 0, "all");
    var executor =
        new ChoicesTest.CountingExecutor(
            new OnnxModelExecutor(DecoderSession.open(model, options)));
    List<List<Sample>> samples = List.of(new ArrayList<>(), new ArrayList<>());
    try (var engine =
        new InferenceEngine(
            executor, new EngineSettings(16, 64, Long.MAX_VALUE / 4, 64, 0), EngineMetrics.NONE)) {
      engine.start();
      if (!engine.awaitReady(5, TimeUnit.MINUTES)) {
        throw new IllegalStateException("engine warm-up failed");
      }
      var rng = new SplittableRandom(11);
      int vocab = engine.spec().vocabSize();
      for (int round = -1; round < rounds; round++) { // round -1 warms both paths up
        for (int mode = 0; mode < 2; mode++) {
          int[] prompt = rng.ints(promptTokens, 3, vocab).toArray();
          Sample s = run(engine, executor, prompt, newTokens, n, mode == 0);
          if (round >= 0) {
            samples.get(mode).add(s);
          }
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%n%s: %d-token prompt, %d new tokens per choice, n = %d, %d rounds, %d cores%n%n",
          engine.spec().name(),
          promptTokens,
          newTokens,
          n,
          rounds,
          Runtime.getRuntime().availableProcessors());
    }
    System.out.println(
        "| mode | prefill passes | prompt tokens prefilled | wall ms p50 | CPU ms p50 | last choice's TTFT ms p50 |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    for (int mode = 0; mode < 2; mode++) {
      List<Sample> s = samples.get(mode);
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %d | %.1f | %.1f | %.1f |%n",
          mode == 0 ? "one request, n = " + n : n + " requests, n = 1",
          s.getFirst().passes(),
          s.getFirst().prefilledTokens(),
          median(s.stream().mapToDouble(Sample::wallMs).toArray()),
          median(s.stream().mapToDouble(Sample::cpuMs).toArray()),
          median(s.stream().mapToDouble(Sample::ttftMs).toArray()));
    }
    double[] wallRatio = new double[rounds];
    double[] cpuRatio = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      wallRatio[r] = samples.get(0).get(r).wallMs() / samples.get(1).get(r).wallMs();
      cpuRatio[r] = samples.get(0).get(r).cpuMs() / samples.get(1).get(r).cpuMs();
    }
    System.out.printf(
        Locale.ROOT,
        "%nn = %d / separate, median of per-round ratios: wall %.2f %s, CPU %.2f %s%n",
        n,
        median(wallRatio),
        Arrays.toString(round2(wallRatio)),
        median(cpuRatio),
        Arrays.toString(round2(cpuRatio)));
  }

  static Sample run(
      InferenceEngine engine,
      ChoicesTest.CountingExecutor executor,
      int[] prompt,
      int newTokens,
      int n,
      boolean oneRequest)
      throws Exception {
    executor.reset();
    List<ChoicesTest.ChoicesListener> listeners = new ArrayList<>();
    long cpu0 = cpuNanos();
    long t0 = System.nanoTime();
    if (oneRequest) {
      var l = new ChoicesTest.ChoicesListener(n);
      listeners.add(l);
      engine.submit(new GenerationRequest(prompt, params(100, newTokens), n, l));
    } else {
      for (int i = 0; i < n; i++) {
        var l = new ChoicesTest.ChoicesListener(1);
        listeners.add(l);
        engine.submit(new GenerationRequest(prompt, params(100 + i, newTokens), l));
      }
    }
    long firstToken = 0; // when the last choice had its first token
    for (var l : listeners) {
      l.await();
      firstToken = Math.max(firstToken, l.firstTokenNanos);
    }
    long wall = System.nanoTime() - t0;
    long cpu = cpuNanos() - cpu0;
    return new Sample(
        executor.prefillPasses.get(),
        executor.prefillTokens.get(),
        wall / 1e6,
        cpu / 1e6,
        (firstToken - t0) / 1e6);
  }

  /**
   * Sampled with a seed: choice i of the n-choice request is the one-choice request of seed + i.
   */
  static SamplingParams params(long seed, int newTokens) {
    return new SamplingParams(
        0.9, 40, 0.95, 0, 1, 0, 0, Map.of(), seed, Set.of(), newTokens, null, 1, 1, false);
  }

  /**
   * CPU time of the process's threads, ONNX Runtime's native ones included, in ns: the sum of
   * /proc/self/task/{@literal *}/schedstat (the process total in /proc/self/stat counts 10 ms
   * ticks, too coarse for runs of tens of ms); the JVM's figure where /proc is not there.
   */
  static long cpuNanos() throws IOException {
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      var os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      return os.getProcessCpuTime();
    }
    long sum = 0;
    try (Stream<Path> threads = Files.list(tasks)) {
      for (Path t : threads.toList()) {
        try {
          sum += Long.parseLong(Files.readString(t.resolve("schedstat")).split(" ")[0]);
        } catch (IOException ended) {
          // the thread ended meanwhile
        }
      }
    }
    return sum;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static double[] round2(double[] v) {
    return Arrays.stream(v).map(x -> Math.round(x * 100) / 100.0).toArray();
  }
}
