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
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.Device;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.inference.sampling.TokenChoice;

/**
 * Benchmark of the engine (run by {@code bench/run-benchmark.sh}; not a test): decode tokens/s at
 * batch 1, aggregate tokens/s at 1/4/16/64 concurrent requests, TTFT p50/p99, process CPU per
 * generated token, and the same for a naive baseline without a KV cache (the whole sequence
 * recomputed each step), in one run.
 *
 * <p>Arguments: model dir, new tokens per request (256), prompt tokens (16), concurrency levels
 * (1,4,16,64). {@code -Dllm.bench.rounds=N} runs the levels N times, interleaved, and reports for
 * each level the round of median aggregate throughput, so that a burst of load on a shared machine
 * skews one round, not the ratio between levels. {@code -Dllm.bench.naive=false} leaves the naive
 * baseline out (its recomputation takes most of a round's time; for comparing two exports' decode).
 * {@code -Dllm.bench.between=COMMAND} runs {@code bash -c COMMAND} after each round's levels (with
 * {@code ROUND} set) and reads the last line of its output as the other side's aggregate tokens/s
 * and, optionally after a space, its CPU milliseconds per token: their ratios to the highest
 * level's figures of the same round are printed per round and as medians with min–max ({@code
 * bench/http-vs-engine.sh}: the HTTP service against this bare engine).
 */
public final class EngineBenchmark {

  record Run(
      String mode,
      int concurrency,
      double decodeTokS,
      double aggregateTokS,
      double ttftP50Ms,
      double ttftP99Ms,
      // CPU time of all the process's threads (ONNX Runtime's included) over the run, per token
      // generated (prefill included), ms
      double cpuMsPerToken) {}

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    int newTokens = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    int promptTokens = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    int[] levels =
        Arrays.stream((args.length > 3 ? args[3] : "1,4,16,64").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    int threads = Integer.getInteger("llm.bench.threads", 0);
    int rounds = Integer.getInteger("llm.bench.rounds", 1);
    boolean spin = Boolean.getBoolean("llm.bench.spin");
    boolean withNaive = !"false".equals(System.getProperty("llm.bench.naive"));
    String between = System.getProperty("llm.bench.between");
    List<Double> betweenRatios = new ArrayList<>();
    List<Double> betweenCpuRatios = new ArrayList<>();
    var options = new RuntimeOptions(Device.CPU, threads, 0, "all", spin);
    int maxLevel = Arrays.stream(levels).max().orElse(1);
    List<Run> runs = new ArrayList<>();
    List<String> roundRatios = new ArrayList<>();
    String name;
    // The naive baseline has a session of its own, open beside the engine's, and runs in every
    // round right after the levels: a round's figures share one moment of the (shared) machine, so
    // the ratios are taken per round, not between medians measured minutes apart.
    try (var engine =
            new InferenceEngine(
                new OnnxModelExecutor(DecoderSession.open(model, options)),
                new EngineSettings(maxLevel, maxLevel * 2, Long.MAX_VALUE / 4),
                EngineMetrics.NONE);
        // none without the baseline: a second copy of the weights for nothing (null is not closed)
        var naiveExecutor =
            withNaive ? new OnnxModelExecutor(DecoderSession.open(model, options)) : null) {
      engine.start();
      if (!engine.awaitReady(5, TimeUnit.MINUTES)) {
        throw new IllegalStateException("engine warm-up failed");
      }
      name = engine.spec().name();
      int vocab = engine.spec().vocabSize();
      int usable = Math.min(newTokens, engine.spec().contextLength() - promptTokens);
      runConcurrent(engine, 2, vocab, promptTokens, Math.min(32, usable)); // warm-up
      if (withNaive) {
        naive(naiveExecutor, promptTokens, Math.min(32, usable)); // warm-up
      }
      List<List<Run>> perLevel = new ArrayList<>();
      for (int i = 0; i < levels.length + (withNaive ? 1 : 0); i++) {
        perLevel.add(new ArrayList<>());
      }
      for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < levels.length; i++) {
          perLevel.get(i).add(runConcurrent(engine, levels[i], vocab, promptTokens, usable));
          System.err.println(perLevel.get(i).getLast());
        }
        if (between != null) {
          Run engineRun = perLevel.get(levels.length - 1).getLast();
          double[] other = runBetween(between, round + 1);
          betweenRatios.add(other[0] / engineRun.aggregateTokS());
          System.out.printf(
              Locale.ROOT,
              "round %d: other / engine at %d concurrent = %.1f / %.1f tok/s = %.3f",
              round + 1,
              levels[levels.length - 1],
              other[0],
              engineRun.aggregateTokS(),
              other[0] / engineRun.aggregateTokS());
          if (other.length > 1) {
            betweenCpuRatios.add(other[1] / engineRun.cpuMsPerToken());
            System.out.printf(
                Locale.ROOT,
                "; CPU ms per token %.3f / %.3f = %.3f",
                other[1],
                engineRun.cpuMsPerToken(),
                other[1] / engineRun.cpuMsPerToken());
          }
          System.out.println();
        }
        if (withNaive) {
          perLevel.get(levels.length).add(naive(naiveExecutor, promptTokens, usable));
          System.err.println(perLevel.get(levels.length).getLast());
          roundRatios.add(roundRatios(levels, perLevel, round));
        }
      }
      for (List<Run> level : perLevel) {
        List<Run> sorted = new ArrayList<>(level);
        sorted.sort(java.util.Comparator.comparingDouble(Run::aggregateTokS));
        runs.add(sorted.get(sorted.size() / 2));
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%n%s, %d prompt + %d new tokens, %s intra-op threads%s, %d cores, median of %d rounds%n%n",
        name,
        promptTokens,
        newTokens,
        threads == 0 ? "default" : threads,
        spin ? " (spinning)" : "",
        Runtime.getRuntime().availableProcessors(),
        rounds);
    System.out.println(
        "| mode | concurrent | decode tok/s per request | aggregate tok/s | TTFT p50 ms | TTFT p99 ms"
            + " | CPU ms per token |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|");
    for (Run r : runs) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %.1f | %.1f | %.2f | %.2f | %.3f |%n",
          r.mode(),
          r.concurrency(),
          r.decodeTokS(),
          r.aggregateTokS(),
          r.ttftP50Ms(),
          r.ttftP99Ms(),
          r.cpuMsPerToken());
    }
    System.out.println();
    for (int round = 0; round < roundRatios.size(); round++) {
      System.out.println("round " + (round + 1) + ": " + roundRatios.get(round));
    }
    summary("tok/s", betweenRatios, levels[levels.length - 1]);
    summary("CPU ms per token", betweenCpuRatios, levels[levels.length - 1]);
  }

  private static void summary(String figure, List<Double> ratios, int concurrency) {
    if (ratios.isEmpty()) {
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "%s, other / engine at %d concurrent, %d rounds: median %.3f (%.3f-%.3f)%n",
        figure,
        concurrency,
        ratios.size(),
        KvBindingBenchmark.medianOf(ratios),
        ratios.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
        ratios.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
  }

  /**
   * Runs the between-rounds command; the last line of its output: tokens/s, optionally CPU ms per
   * token.
   */
  private static double[] runBetween(String command, int round) throws Exception {
    var process =
        new ProcessBuilder("bash", "-c", command)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .redirectOutput(ProcessBuilder.Redirect.PIPE);
    process.environment().put("ROUND", Integer.toString(round));
    Process p = process.start();
    List<String> lines;
    try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
      lines = out.lines().toList();
    }
    if (p.waitFor() != 0 || lines.isEmpty()) {
      throw new IllegalStateException("between-rounds command failed: " + command + " " + lines);
    }
    return Arrays.stream(lines.getLast().trim().split("\\s+"))
        .mapToDouble(Double::parseDouble)
        .toArray();
  }

  /**
   * One round's ratios, taken within the round: each level's aggregate over batch 1's (when level 1
   * ran), and batch-1 KV-cache decode over the naive baseline's decode.
   */
  private static String roundRatios(int[] levels, List<List<Run>> perLevel, int round) {
    int one = Arrays.stream(levels).boxed().toList().indexOf(1);
    Run naive = perLevel.get(levels.length).get(round);
    StringBuilder line = new StringBuilder();
    if (one < 0) {
      return "no batch-1 level; naive "
          + String.format(Locale.ROOT, "%.1f tok/s", naive.decodeTokS());
    }
    Run batch1 = perLevel.get(one).get(round);
    for (int i = 0; i < levels.length; i++) {
      if (levels[i] != 1) {
        line.append(
            String.format(
                Locale.ROOT,
                "%d concurrent / batch 1 = %.2fx, ",
                levels[i],
                perLevel.get(i).get(round).aggregateTokS() / batch1.aggregateTokS()));
      }
    }
    return line.append(
            String.format(
                Locale.ROOT,
                "KV-cache decode / naive = %.1f / %.1f = %.2fx",
                batch1.decodeTokS(),
                naive.decodeTokS(),
                batch1.decodeTokS() / naive.decodeTokS()))
        .toString();
  }

  /**
   * {@code c} requests submitted at once; each generates exactly {@code n} tokens (no stop ids).
   */
  static Run runConcurrent(InferenceEngine engine, int c, int vocab, int promptTokens, int n)
      throws Exception {
    var rng = new SplittableRandom(c);
    List<TimingListener> listeners = new ArrayList<>();
    long cpuStart = ChunkedPrefillBenchmark.Usage.processCpuNanos();
    long start = System.nanoTime();
    for (int i = 0; i < c; i++) {
      var l = new TimingListener(start);
      listeners.add(l);
      int[] prompt = rng.ints(promptTokens, 0, vocab).toArray();
      engine.submit(new GenerationRequest(prompt, SamplingParams.greedy(n, Set.of()), l));
    }
    CompletableFuture.allOf(listeners.stream().map(l -> l.done).toArray(CompletableFuture[]::new))
        .get(1, TimeUnit.HOURS);
    double wall = (System.nanoTime() - start) / 1e9;
    long cpu = ChunkedPrefillBenchmark.Usage.processCpuNanos() - cpuStart;
    double[] ttft = listeners.stream().mapToDouble(l -> (l.first - start) / 1e6).sorted().toArray();
    double decode =
        listeners.stream()
            .mapToDouble(l -> (l.count - 1) / ((l.last - l.first) / 1e9))
            .average()
            .orElse(0);
    long total = listeners.stream().mapToLong(l -> l.count).sum();
    return new Run(
        "KV cache, continuous batching",
        c,
        decode,
        total / wall,
        pct(ttft, 50),
        pct(ttft, 99),
        cpu / 1e6 / total);
  }

  /** No KV cache: every step runs the whole sequence from an empty past. */
  static Run naive(ModelExecutor executor, int promptTokens, int n) throws Exception {
    int vocab = executor.spec().vocabSize();
    int[] seq = new SplittableRandom(1).ints(promptTokens, 0, vocab).toArray();
    float[] logits = new float[vocab];
    long cpuStart = ChunkedPrefillBenchmark.Usage.processCpuNanos();
    long start = System.nanoTime();
    long first = 0;
    for (int i = 0; i < n; i++) {
      executor.prefill(seq, logits);
      int next = org.llmplatform.inference.sampling.Sampler.ARGMAX.sample(logits, null);
      if (i == 0) {
        first = System.nanoTime();
      }
      seq = Arrays.copyOf(seq, seq.length + 1);
      seq[seq.length - 1] = next;
    }
    long end = System.nanoTime();
    long cpu = ChunkedPrefillBenchmark.Usage.processCpuNanos() - cpuStart;
    double ttft = (first - start) / 1e6;
    double decode = (n - 1) / ((end - first) / 1e9);
    return new Run(
        "naive, no KV cache", 1, decode, n / ((end - start) / 1e9), ttft, ttft, cpu / 1e6 / n);
  }

  static double pct(double[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  static final class TimingListener implements GenerationListener {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final long start;
    volatile long first;
    volatile long last;
    volatile int count;

    TimingListener(long start) {
      this.start = start;
    }

    @Override
    public void onToken(TokenChoice token) {
      long now = System.nanoTime();
      if (count == 0) {
        first = now;
      }
      last = now;
      count++;
    }

    @Override
    public void onFinish(
        FinishReason reason, int promptTokens, int completionTokens, String error) {
      if (reason == FinishReason.ERROR) {
        done.completeExceptionally(new IllegalStateException(error));
      } else {
        done.complete(null);
      }
    }
  }
}
