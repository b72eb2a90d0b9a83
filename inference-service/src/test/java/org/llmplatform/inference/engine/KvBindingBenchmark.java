package org.llmplatform.inference.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.Device;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.llmplatform.inference.sampling.SamplingParams;

/**
 * Benchmark (run by {@code bench/kv-binding-benchmark.sh} and {@code bench/gpu-check.sh}; not a
 * test): the pinned-output path against IoBinding, side by side in one run — two engines over the
 * same model, runs interleaved (pinned, iobinding, then iobinding, pinned, …) so that drift of a
 * shared machine hits both; medians of the rounds. Reports decode tokens/s per request and
 * aggregate tokens/s at each concurrency (all requests submitted at once, greedy, no stop ids);
 * then the executors alone: median decode step time at the same batch sizes.
 *
 * <p>Arguments: model dir, new tokens per request (256), prompt tokens (16), concurrency levels
 * (1,16), rounds (3). System properties: {@code llm.bench.device} (cpu | cuda-required), {@code
 * llm.bench.threads} (intra-op threads, 0 = ONNX Runtime's default).
 */
public final class KvBindingBenchmark {

  record Sample(double decodeTokS, double aggregateTokS) {}

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    int newTokens = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    int promptTokens = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    int[] levels =
        Arrays.stream((args.length > 3 ? args[3] : "1,16").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    Device device = Device.parse(System.getProperty("llm.bench.device", "cpu"));
    int threads = Integer.getInteger("llm.bench.threads", 0);
    var options = new RuntimeOptions(device, threads, 0, "all");
    int maxLevel = Arrays.stream(levels).max().orElse(1);
    var settings = new EngineSettings(maxLevel, maxLevel * 2, Long.MAX_VALUE / 4);
    String[] modes = {"pinned", "iobinding"};
    try (var pinned =
            new InferenceEngine(
                new OnnxModelExecutor(DecoderSession.open(model, options)),
                settings,
                EngineMetrics.NONE);
        var bound =
            new InferenceEngine(
                new IoBindingModelExecutor(DecoderSession.open(model, options)),
                settings,
                EngineMetrics.NONE)) {
      InferenceEngine[] engines = {pinned, bound};
      for (var e : engines) {
        e.start();
        if (!e.awaitReady(5, TimeUnit.MINUTES)) {
          throw new IllegalStateException("engine warm-up failed");
        }
      }
      int vocab = pinned.spec().vocabSize();
      int usable = Math.min(newTokens, pinned.spec().contextLength() - promptTokens);
      for (var e : engines) {
        run(e, 2, vocab, promptTokens, Math.min(32, usable)); // warm-up
      }
      // [level][mode][round]
      Sample[][][] samples = new Sample[levels.length][2][rounds];
      for (int round = 0; round < rounds; round++) {
        for (int l = 0; l < levels.length; l++) {
          for (int k = 0; k < 2; k++) {
            int m = (round + k) % 2; // alternate which mode goes first
            samples[l][m][round] = run(engines[m], levels[l], vocab, promptTokens, usable);
            System.err.printf(
                Locale.ROOT,
                "round %d, %d concurrent, %s: %s%n",
                round,
                levels[l],
                modes[m],
                samples[l][m][round]);
          }
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%n%s on %s (%s), %d prompt + %d new tokens, %s intra-op threads, %d cores, median of %d"
              + " interleaved rounds%n%n",
          pinned.spec().name(),
          pinned.device(),
          device.name().toLowerCase(Locale.ROOT),
          promptTokens,
          usable,
          threads == 0 ? "default" : threads,
          Runtime.getRuntime().availableProcessors(),
          rounds);
      System.out.println(
          "| concurrent | pinned decode tok/s per request | iobinding decode tok/s per request |"
              + " iobinding / pinned (median of per-round ratios) | pinned aggregate tok/s |"
              + " iobinding aggregate tok/s | iobinding / pinned (median of per-round ratios) |");
      System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
      for (int l = 0; l < levels.length; l++) {
        System.out.printf(
            Locale.ROOT,
            "| %d | %.1f | %.1f | %.3f | %.1f | %.1f | %.3f |%n",
            levels[l],
            median(samples[l][0], Sample::decodeTokS),
            median(samples[l][1], Sample::decodeTokS),
            medianRatio(samples[l], Sample::decodeTokS),
            median(samples[l][0], Sample::aggregateTokS),
            median(samples[l][1], Sample::aggregateTokS),
            medianRatio(samples[l], Sample::aggregateTokS));
      }
    }
    executorSteps(model, options, levels, promptTokens, newTokens);
  }

  /**
   * The executors alone (no engine thread, no sampling): median time of one decode step at each
   * batch size, blocks of steps interleaved between the two paths, both growing the same sequence.
   */
  static void executorSteps(
      Path model, RuntimeOptions options, int[] levels, int promptTokens, int newTokens)
      throws Exception {
    try (var pinned = new OnnxModelExecutor(DecoderSession.open(model, options));
        var bound = new IoBindingModelExecutor(DecoderSession.open(model, options))) {
      ModelExecutor[] executors = {pinned, bound};
      int vocab = pinned.spec().vocabSize();
      int steps = Math.min(newTokens, pinned.spec().contextLength() - promptTokens - 1);
      int block = 16;
      System.out.println();
      System.out.println(
          "| batch rows | pinned step µs | iobinding step µs | pinned tok/s | iobinding tok/s |"
              + " iobinding / pinned |");
      System.out.println("|---:|---:|---:|---:|---:|---:|");
      for (int rows : levels) {
        int[] prompt = new SplittableRandom(rows).ints(promptTokens, 0, vocab).toArray();
        float[] first = new float[vocab];
        float[][] logits = new float[rows][vocab];
        List<List<Double>> micros = List.of(new ArrayList<>(), new ArrayList<>());
        for (var x : executors) {
          x.prefill(prompt, first);
          x.batchCache()
              .gather(
                  java.util.Collections.nCopies(
                      rows,
                      new org.llmplatform.inference.kvcache.KvCache.KvRow(
                          x.prefillCache(), 0, promptTokens)));
        }
        int[] tokens = new int[rows];
        int[][] lengths = {new int[rows], new int[rows]};
        Arrays.fill(lengths[0], promptTokens);
        Arrays.fill(lengths[1], promptTokens);
        for (int done = 0, k = 0; done < steps; done += block, k++) {
          for (int j = 0; j < 2; j++) {
            int m = (k + j) % 2;
            for (int s = 0; s < Math.min(block, steps - done); s++) {
              Arrays.fill(tokens, (done + s) % vocab);
              long t0 = System.nanoTime();
              executors[m].decode(tokens, lengths[m], lengths[m], logits);
              micros.get(m).add((System.nanoTime() - t0) / 1e3);
              for (int r = 0; r < rows; r++) {
                lengths[m][r]++;
              }
            }
          }
        }
        double p = medianOf(micros.get(0));
        double b = medianOf(micros.get(1));
        System.out.printf(
            Locale.ROOT,
            "| %d | %.1f | %.1f | %.1f | %.1f | %.3f |%n",
            rows,
            p,
            b,
            rows * 1e6 / p,
            rows * 1e6 / b,
            p / b);
      }
    }
  }

  static double medianOf(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static double median(Sample[] samples, ToDoubleFunction<Sample> metric) {
    return medianOf(Arrays.stream(samples).map(metric::applyAsDouble).toList());
  }

  /**
   * Median over rounds of iobinding / pinned within a round: the two runs of a round are adjacent
   * in time, so a shared machine's drift cancels better than in a ratio of medians.
   */
  static double medianRatio(Sample[][] byMode, ToDoubleFunction<Sample> metric) {
    List<Double> ratios = new ArrayList<>();
    for (int round = 0; round < byMode[0].length; round++) {
      ratios.add(metric.applyAsDouble(byMode[1][round]) / metric.applyAsDouble(byMode[0][round]));
    }
    return medianOf(ratios);
  }

  /** {@code c} requests submitted at once; each generates exactly {@code n} tokens. */
  static Sample run(InferenceEngine engine, int c, int vocab, int promptTokens, int n)
      throws Exception {
    var rng = new SplittableRandom(c);
    List<EngineBenchmark.TimingListener> timings = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < c; i++) {
      var t = new EngineBenchmark.TimingListener(start);
      timings.add(t);
      int[] prompt = rng.ints(promptTokens, 0, vocab).toArray();
      engine.submit(new GenerationRequest(prompt, SamplingParams.greedy(n, Set.of()), t));
    }
    CompletableFuture.allOf(timings.stream().map(t -> t.done).toArray(CompletableFuture[]::new))
        .get(1, TimeUnit.HOURS);
    double wall = (System.nanoTime() - start) / 1e9;
    double decode =
        timings.stream()
            .mapToDouble(t -> (t.count - 1) / ((t.last - t.first) / 1e9))
            .average()
            .orElse(0);
    long total = timings.stream().mapToLong(t -> t.count).sum();
    return new Sample(decode, total / wall);
  }
}
