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
 * Benchmark of chunked prefill (run by {@code bench/run-chunked-prefill.sh}; not a test): the
 * inter-token latency of running streams while long prompts arrive, with prompts prefilled in one
 * pass against prefilled in chunks, and without long prompts as the reference, in one run.
 *
 * <p>Each mode starts {@code streams} greedy requests (16-token prompts) and, once they all decode,
 * sends {@code longPrompts} prompts of {@code longTokens} tokens one after another (the next when
 * the previous has its first token; max_new_tokens 1, so they do not join the batch). The stream
 * gaps between consecutive tokens emitted in that window are the samples; the reference mode
 * measures the same number of stream steps without long prompts.
 *
 * <p>Arguments: model dir, chunk sizes (e.g. 0,32,128; 0 = one pass), long prompt tokens (2000),
 * long prompts (3), streams (8).
 */
public final class ChunkedPrefillBenchmark {

  record Result(String mode, double p50, double p99, double max, long samples, double longTtftMs) {}

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    int[] chunks = Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray();
    int longTokens = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    int longPrompts = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    int streams = args.length > 4 ? Integer.parseInt(args[4]) : 8;
    var options =
        new RuntimeOptions(Device.CPU, Integer.getInteger("llm.bench.threads", 0), 0, "all");
    List<Result> results = new ArrayList<>();
    String name = null;
    int context = 0;
    long referenceSteps = 0;
    for (int m = -1; m < chunks.length; m++) {
      int chunk = m < 0 ? 0 : chunks[m];
      try (var engine =
          new InferenceEngine(
              new OnnxModelExecutor(DecoderSession.open(model, options)),
              new EngineSettings(streams + 1, 64, Long.MAX_VALUE / 4, chunk),
              EngineMetrics.NONE)) {
        engine.start();
        if (!engine.awaitReady(5, TimeUnit.MINUTES)) {
          throw new IllegalStateException("engine warm-up failed");
        }
        name = engine.spec().name();
        context = engine.spec().contextLength();
        if (longTokens + 1 > context) {
          throw new IllegalArgumentException(
              name + " has a context of " + context + " tokens; long prompts need " + longTokens);
        }
        Result r =
            m < 0
                ? reference(engine, streams, longPrompts, longTokens)
                : measure(engine, chunk, streams, longPrompts, longTokens);
        if (m < 0) {
          referenceSteps = r.samples();
        }
        results.add(r);
        System.err.println(r);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%n%s (context %d), %d streams, %d prompts of %d tokens arriving one after another, %d cores%n%n",
        name,
        context,
        streams,
        longPrompts,
        longTokens,
        Runtime.getRuntime().availableProcessors());
    System.out.println(
        "| mode | stream ITL p50 ms | p99 ms | max ms | gaps measured | long prompt TTFT ms | p99 / reference p99 |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|");
    double ref = results.getFirst().p99();
    for (Result r : results) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %.1f | %.1f | %.1f | %d | %s | %.1f× |%n",
          r.mode(),
          r.p50(),
          r.p99(),
          r.max(),
          r.samples(),
          Double.isNaN(r.longTtftMs()) ? "–" : "%.0f".formatted(r.longTtftMs()),
          r.p99() / ref);
    }
  }

  /** Streams alone: a window of as many decode steps as an unchunked long prompt takes. */
  static Result reference(InferenceEngine engine, int streams, int longPrompts, int longTokens)
      throws Exception {
    List<Stream> running = startStreams(engine, streams);
    long start = System.nanoTime();
    long window = TimeUnit.MILLISECONDS.toNanos(3000);
    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(window));
    long end = System.nanoTime();
    stop(engine, running);
    return summarise("streams alone (reference)", running, start, end, Double.NaN);
  }

  static Result measure(
      InferenceEngine engine, int chunk, int streams, int longPrompts, int longTokens)
      throws Exception {
    List<Stream> running = startStreams(engine, streams);
    var rng = new SplittableRandom(chunk + 17);
    int vocab = engine.spec().vocabSize();
    long start = System.nanoTime();
    double ttft = 0;
    for (int i = 0; i < longPrompts; i++) {
      var l = new Stream(0);
      long sent = System.nanoTime();
      engine.submit(
          new GenerationRequest(
              rng.ints(longTokens, 0, vocab).toArray(), SamplingParams.greedy(1, Set.of()), l));
      l.done.get(10, TimeUnit.MINUTES);
      ttft += (l.times[0] - sent) / 1e6;
    }
    long end = System.nanoTime();
    stop(engine, running);
    return summarise(
        chunk == 0 ? "one-pass prefill" : "chunked prefill, " + chunk + " tokens",
        running,
        start,
        end,
        ttft / longPrompts);
  }

  static List<Stream> startStreams(InferenceEngine engine, int streams) throws Exception {
    var rng = new SplittableRandom(5);
    int vocab = engine.spec().vocabSize();
    int maxNew = engine.spec().contextLength() - 16 - 1;
    List<Stream> running = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      var s = new Stream(maxNew);
      s.request =
          new GenerationRequest(
              rng.ints(16, 0, vocab).toArray(), SamplingParams.greedy(maxNew, Set.of()), s);
      running.add(s);
      engine.submit(s.request);
    }
    while (running.stream().anyMatch(s -> s.count < 5)) {
      Thread.sleep(5);
    }
    return running;
  }

  static void stop(InferenceEngine engine, List<Stream> running) throws Exception {
    for (Stream s : running) {
      engine.cancel(s.request);
    }
    for (Stream s : running) {
      s.done.get(1, TimeUnit.MINUTES);
    }
  }

  /** Gaps between consecutive stream tokens whose later token came in [start, end]. */
  static Result summarise(String mode, List<Stream> running, long start, long end, double ttft) {
    List<Double> gaps = new ArrayList<>();
    for (Stream s : running) {
      int n = s.count;
      for (int i = 1; i < n; i++) {
        if (s.times[i] >= start && s.times[i] <= end) {
          gaps.add((s.times[i] - s.times[i - 1]) / 1e6);
        }
      }
    }
    double[] sorted = gaps.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return new Result(
        mode,
        EngineBenchmark.pct(sorted, 50),
        EngineBenchmark.pct(sorted, 99),
        sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1],
        sorted.length,
        ttft);
  }

  /** Token times of one request. */
  static final class Stream implements GenerationListener {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final long[] times;
    volatile int count;
    GenerationRequest request;

    Stream(int maxNew) {
      this.times = new long[Math.max(1, maxNew)];
    }

    @Override
    public void onToken(TokenChoice token) {
      if (count < times.length) {
        times[count] = System.nanoTime();
        count++;
      }
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
