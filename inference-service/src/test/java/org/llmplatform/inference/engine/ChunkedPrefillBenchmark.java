package org.llmplatform.inference.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
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
 * measures the streams without long prompts, in two windows of 3 s on one engine: the first while
 * the batch reaches its past lengths for the first time (a KV cache that grows does it here), the
 * second with fresh streams over the same lengths again. The first window is the reference of the
 * modes; first / second says what reaching a longer past costs. Resident memory (VmRSS) is read
 * after the warm-up and after each window.
 *
 * <p>Arguments: model dir, chunk sizes (e.g. 0,32,128; 0 = one pass; empty: the reference windows
 * only), long prompt tokens (2000), long prompts (3), streams (8).
 */
public final class ChunkedPrefillBenchmark {

  record Result(
      String mode,
      double p50,
      double p99,
      double max,
      long samples,
      double tokS,
      double longTtftMs,
      long rssMb,
      long minorFaults,
      double cpuMsPerToken,
      double stepCpuP99,
      double stepCpuMax,
      long stepFaultsMax) {}

  /** This process's minor page faults and CPU time so far (all threads), where the OS says. */
  record Usage(long minorFaults, long cpuNanos) {
    static Usage now() {
      return new Usage(processMinorFaults(), processCpuNanos());
    }

    static long processMinorFaults() {
      try {
        String stat = java.nio.file.Files.readString(Path.of("/proc/self/stat"));
        // fields after the command's closing parenthesis: state is field 3, minflt field 10
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
      } catch (java.io.IOException e) {
        return -1; // not Linux
      }
    }

    /**
     * CPU time of all the process's threads in ns, from clock_gettime(CLOCK_PROCESS_CPUTIME_ID):
     * the management bean's process CPU time counts in 10 ms ticks here, coarser than a step.
     */
    static long processCpuNanos() {
      MemorySegment ts = TIMESPEC.get();
      try {
        if ((int) CLOCK_GETTIME.invokeExact(CLOCK_PROCESS_CPUTIME_ID, ts) != 0) {
          return -1;
        }
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
      return ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8);
    }

    private static final int CLOCK_PROCESS_CPUTIME_ID = 2; // Linux
    private static final MethodHandle CLOCK_GETTIME =
        Linker.nativeLinker()
            .downcallHandle(
                Linker.nativeLinker().defaultLookup().find("clock_gettime").orElseThrow(),
                FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final ThreadLocal<MemorySegment> TIMESPEC =
        ThreadLocal.withInitial(() -> Arena.global().allocate(16, 8));
  }

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    int[] chunks =
        Arrays.stream(args[1].split(","))
            .filter(c -> !c.isBlank())
            .mapToInt(Integer::parseInt)
            .toArray();
    int longTokens = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    int longPrompts = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    int streams = args.length > 4 ? Integer.parseInt(args[4]) : 8;
    var options =
        new RuntimeOptions(Device.CPU, Integer.getInteger("llm.bench.threads", 0), 0, "all");
    List<Result> results = new ArrayList<>();
    String name = null;
    int context = 0;
    long warmRss = 0;
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
        if (m < 0) {
          warmRss = rssMb();
          for (String window : List.of("streams alone (reference)", "streams alone, again")) {
            Result r = reference(engine, streams, window);
            results.add(r);
            System.err.println(r);
          }
        } else {
          Result r = measure(engine, chunk, streams, longPrompts, longTokens);
          results.add(r);
          System.err.println(r);
        }
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
        "| mode | stream ITL p50 ms | p99 ms | max ms | gaps measured | stream tok/s | long prompt TTFT ms | p99 / reference p99 | RSS MB after | minor faults | CPU ms / stream token | step CPU p99 ms | step CPU max ms | most faults in a step |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    double ref = results.getFirst().p99();
    for (Result r : results) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %.1f | %.1f | %.1f | %d | %.0f | %s | %.2f× | %d | %d | %.2f | %.1f | %.1f | %d |%n",
          r.mode(),
          r.p50(),
          r.p99(),
          r.max(),
          r.samples(),
          r.tokS(),
          Double.isNaN(r.longTtftMs()) ? "–" : "%.0f".formatted(r.longTtftMs()),
          r.p99() / ref,
          r.rssMb(),
          r.minorFaults(),
          r.cpuMsPerToken(),
          r.stepCpuP99(),
          r.stepCpuMax(),
          r.stepFaultsMax());
    }
    System.out.printf(
        Locale.ROOT,
        "%nreference / second window: p99 %.2f×, max %.2f×, stream tok/s %.2f×, CPU per token %.2f×,"
            + " step CPU p99 %.2f×; minor faults %d / %d, most in a step %d / %d;"
            + " RSS after warm-up %d MB%n",
        ref / results.get(1).p99(),
        results.getFirst().max() / results.get(1).max(),
        results.getFirst().tokS() / results.get(1).tokS(),
        results.getFirst().cpuMsPerToken() / results.get(1).cpuMsPerToken(),
        results.getFirst().stepCpuP99() / results.get(1).stepCpuP99(),
        results.getFirst().minorFaults(),
        results.get(1).minorFaults(),
        results.getFirst().stepFaultsMax(),
        results.get(1).stepFaultsMax(),
        warmRss);
  }

  /** Streams alone for 3 s: about as many decode steps as an unchunked long prompt takes. */
  static Result reference(InferenceEngine engine, int streams, String mode) throws Exception {
    List<Stream> running = startStreams(engine, streams);
    Usage before = Usage.now();
    long start = System.nanoTime();
    Thread.sleep(3000);
    long end = System.nanoTime();
    Usage after = Usage.now();
    stop(engine, running);
    return summarise(mode, running, start, end, Double.NaN, before, after);
  }

  /** This process's resident memory (VmRSS) in MB, or -1 where /proc is not there. */
  static long rssMb() {
    try {
      for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (java.io.IOException e) {
      // not Linux
    }
    return -1;
  }

  static Result measure(
      InferenceEngine engine, int chunk, int streams, int longPrompts, int longTokens)
      throws Exception {
    List<Stream> running = startStreams(engine, streams);
    var rng = new SplittableRandom(chunk + 17);
    int vocab = engine.spec().vocabSize();
    Usage before = Usage.now();
    long start = System.nanoTime();
    double ttft = 0;
    for (int i = 0; i < longPrompts; i++) {
      var l = new Stream(0, false);
      long sent = System.nanoTime();
      engine.submit(
          new GenerationRequest(
              rng.ints(longTokens, 0, vocab).toArray(), SamplingParams.greedy(1, Set.of()), l));
      l.done.get(10, TimeUnit.MINUTES);
      ttft += (l.times[0] - sent) / 1e6;
    }
    long end = System.nanoTime();
    Usage after = Usage.now();
    stop(engine, running);
    return summarise(
        chunk == 0 ? "one-pass prefill" : "chunked prefill, " + chunk + " tokens",
        running,
        start,
        end,
        ttft / longPrompts,
        before,
        after);
  }

  static List<Stream> startStreams(InferenceEngine engine, int streams) throws Exception {
    var rng = new SplittableRandom(5);
    int vocab = engine.spec().vocabSize();
    int maxNew = engine.spec().contextLength() - 16 - 1;
    List<Stream> running = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      var s = new Stream(maxNew, i == 0);
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

  /**
   * Gaps between consecutive stream tokens whose later token came in [start, end], in wall time and
   * in the process's CPU time (a step's work, whatever else the machine runs).
   */
  static Result summarise(
      String mode,
      List<Stream> running,
      long start,
      long end,
      double ttft,
      Usage before,
      Usage after) {
    List<Double> gaps = new ArrayList<>();
    List<Double> cpuGaps = new ArrayList<>();
    long stepFaults = 0;
    Stream first = running.getFirst();
    for (int i = 1; i < first.count; i++) {
      if (first.times[i] >= start && first.times[i] <= end) {
        stepFaults = Math.max(stepFaults, first.faults[i] - first.faults[i - 1]);
      }
    }
    for (Stream s : running) {
      int n = s.count;
      for (int i = 1; i < n; i++) {
        if (s.times[i] >= start && s.times[i] <= end) {
          gaps.add((s.times[i] - s.times[i - 1]) / 1e6);
          cpuGaps.add((s.cpu[i] - s.cpu[i - 1]) / 1e6);
        }
      }
    }
    double[] sorted = gaps.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double[] cpu = cpuGaps.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return new Result(
        mode,
        EngineBenchmark.pct(sorted, 50),
        EngineBenchmark.pct(sorted, 99),
        sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1],
        sorted.length,
        sorted.length / ((end - start) / 1e9),
        ttft,
        rssMb(),
        after.minorFaults() - before.minorFaults(),
        (after.cpuNanos() - before.cpuNanos()) / 1e6 / Math.max(1, sorted.length),
        EngineBenchmark.pct(cpu, 99),
        cpu.length == 0 ? Double.NaN : cpu[cpu.length - 1],
        stepFaults);
  }

  /**
   * Token times of one request, wall and process CPU, and for the first stream the process's minor
   * page faults so far (tokens come on the engine thread).
   */
  static final class Stream implements GenerationListener {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final long[] times;
    final long[] cpu;
    final long[] faults;
    volatile int count;
    GenerationRequest request;

    Stream(int maxNew, boolean countFaults) {
      this.times = new long[Math.max(1, maxNew)];
      this.cpu = new long[times.length];
      this.faults = countFaults ? new long[times.length] : null;
    }

    @Override
    public void onToken(TokenChoice token) {
      if (count < times.length) {
        times[count] = System.nanoTime();
        cpu[count] = Usage.processCpuNanos();
        if (faults != null) {
          faults[count] = Usage.processMinorFaults();
        }
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
