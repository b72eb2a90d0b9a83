package org.llmplatform.inference.constraint;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.llmplatform.api.inference.OutputConstraint;
import org.llmplatform.inference.engine.EngineMetrics;
import org.llmplatform.inference.engine.EngineSettings;
import org.llmplatform.inference.engine.FinishReason;
import org.llmplatform.inference.engine.GenerationListener;
import org.llmplatform.inference.engine.GenerationRequest;
import org.llmplatform.inference.engine.InferenceEngine;
import org.llmplatform.inference.engine.OnnxModelExecutor;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.Device;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.inference.sampling.TokenChoice;

/**
 * Benchmark (run by {@code bench/run-constrained.sh}; not a test): decode tokens/s of a batch of
 * {@code BATCH} requests with a JSON Schema against the same batch without one, on one engine, in
 * interleaved rounds (free, constrained, free, constrained...). Each round's ratio is taken within
 * the round; the median and the range of the ratios are the figure.
 *
 * <p>Both batches sample (temperature 1, a seed per request) the same prompts, {@code NEW_TOKENS}
 * each with no stop id, so every request runs to the length and the batch keeps its rows: the
 * schema is an array of at least 100 objects, longer than any run. Decode tokens/s = the tokens
 * after each request's first / (last token - first first token).
 *
 * <p>Arguments: model dir, new tokens (256), batch (16), rounds (8), prompt tokens (16).
 */
public final class ConstrainedDecodingBenchmark {

  static final String SCHEMA =
      """
      {"type":"array","minItems":100,"items":{"type":"object","properties":{
        "name":{"type":"string","maxLength":12},
        "age":{"type":"integer","minimum":0,"maximum":120},
        "city":{"enum":["Paris","Rome","Oslo"]}},
       "required":["name","age","city"],"additionalProperties":false}}""";

  record Round(double freeTokS, double constrainedTokS) {
    double ratio() {
      return constrainedTokS / freeTokS;
    }
  }

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args.length > 0 ? args[0] : "../shared/models/stories260K");
    int newTokens = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    int promptTokens = args.length > 4 ? Integer.parseInt(args[4]) : 16;
    int threads = Integer.getInteger("llm.bench.threads", 0);
    int maskThreads = Integer.getInteger("llm.bench.mask-threads", 2);
    var options = new RuntimeOptions(Device.CPU, threads, 0, "all", false);
    var registry = new SimpleMeterRegistry();
    var props = ConstraintProperties.defaults();
    props =
        new ConstraintProperties(
            props.grammarCacheSize(),
            props.maxSize(),
            props.compileTimeout(),
            props.compileThreads(),
            props.compileQueue(),
            maskThreads);
    List<Round> results = new ArrayList<>();
    try (var engine =
            new InferenceEngine(
                new OnnxModelExecutor(DecoderSession.open(model, options)),
                new EngineSettings(batch, batch * 2, Long.MAX_VALUE / 4, 64, 0),
                EngineMetrics.NONE);
        var constraints = OutputConstraints.forModel(model, engine.spec(), props, registry)) {
      engine.start();
      if (!engine.awaitReady(5, TimeUnit.MINUTES)) {
        throw new IllegalStateException("engine warm-up failed");
      }
      var rng = new SplittableRandom(1);
      int[][] prompts = new int[batch][];
      for (int i = 0; i < batch; i++) {
        prompts[i] = rng.ints(promptTokens, 3, engine.spec().vocabSize()).toArray();
      }
      var constraint = OutputConstraint.jsonSchema(SCHEMA);
      for (int i = 0; i < 2; i++) { // warm-up: both paths compiled by the JIT before round 1
        run(engine, constraints, prompts, constraint, newTokens);
        run(engine, null, prompts, null, newTokens);
      }
      double maskWaitBefore = 0;
      long waitsBefore = 0;
      double waitSeconds = 0;
      long waits = 0;
      for (int r = 0; r < rounds; r++) {
        double free = run(engine, null, prompts, null, newTokens);
        var timer = registry.timer("llm.constraint.mask_wait");
        maskWaitBefore = timer.totalTime(TimeUnit.SECONDS);
        waitsBefore = timer.count();
        double constrained = run(engine, constraints, prompts, constraint, newTokens);
        waitSeconds += timer.totalTime(TimeUnit.SECONDS) - maskWaitBefore;
        waits += timer.count() - waitsBefore;
        results.add(new Round(free, constrained));
        System.err.printf(
            Locale.ROOT,
            "round %d: free %.1f tok/s, schema %.1f tok/s, ratio %.3f%n",
            r + 1,
            free,
            constrained,
            constrained / free);
      }
      double[] ratios = results.stream().mapToDouble(Round::ratio).sorted().toArray();
      double[] free = results.stream().mapToDouble(Round::freeTokS).sorted().toArray();
      double[] constrained =
          results.stream().mapToDouble(Round::constrainedTokS).sorted().toArray();
      double forced = registry.counter("llm.constraint.fast_forward_tokens").count();
      long constrainedTokens = (long) (rounds + 2) * prompts.length * newTokens;
      System.out.printf(
          Locale.ROOT,
          "%n%s, batch %d, %d prompt + %d new tokens, %d rounds, %s intra-op threads, %d mask"
              + " threads, %d cores%n%n",
          engine.spec().name(),
          batch,
          promptTokens,
          newTokens,
          rounds,
          threads == 0 ? "default" : threads,
          maskThreads,
          Runtime.getRuntime().availableProcessors());
      System.out.println(
          "| free tok/s (median) | schema tok/s (median) | ratio, median of rounds | ratio min–max |");
      System.out.println("|---:|---:|---:|---:|");
      System.out.printf(
          Locale.ROOT,
          "| %.1f | %.1f | **%.3f** | %.3f–%.3f |%n%n",
          median(free),
          median(constrained),
          median(ratios),
          ratios[0],
          ratios[ratios.length - 1]);
      System.out.printf(
          Locale.ROOT,
          "engine thread waited for a mask %d times, %.1f ms in all over the measured constrained"
              + " rounds; %.0f of %d constrained tokens forced (%.1f%%, warm-up included)%n",
          waits,
          waitSeconds * 1e3,
          forced,
          constrainedTokens,
          100 * forced / constrainedTokens);
    }
  }

  static double median(double[] sorted) {
    return (sorted[(sorted.length - 1) / 2] + sorted[sorted.length / 2]) / 2;
  }

  /** One batch: every request submitted at once; its decode tokens/s. */
  static double run(
      InferenceEngine engine,
      OutputConstraints constraints,
      int[][] prompts,
      OutputConstraint constraint,
      int newTokens)
      throws Exception {
    List<Timing> timings = new ArrayList<>();
    for (int i = 0; i < prompts.length; i++) {
      var params =
          new SamplingParams(
              1.0, 0, 1.0, 0, 1, 0, 0, Map.of(), 100L + i, Set.of(), newTokens, null, 1, 1, false);
      RequestConstraint rc =
          constraint == null ? null : constraints.prepare(constraint, params).get();
      var t = new Timing();
      timings.add(t);
      engine.submit(new GenerationRequest(prompts[i], params, 1, t, rc));
    }
    CompletableFuture.allOf(timings.stream().map(t -> t.done).toArray(CompletableFuture[]::new))
        .get(1, TimeUnit.HOURS);
    long first = timings.stream().mapToLong(t -> t.first).min().orElseThrow();
    long last = timings.stream().mapToLong(t -> t.last).max().orElseThrow();
    long tokens = timings.stream().mapToLong(t -> t.count - 1).sum();
    if (timings.stream().anyMatch(t -> t.count != newTokens)) {
      throw new IllegalStateException(
          "a request ended early: "
              + Arrays.toString(timings.stream().mapToInt(t -> t.count).toArray()));
    }
    return tokens / ((last - first) / 1e9);
  }

  static final class Timing implements GenerationListener {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    volatile long first;
    volatile long last;
    volatile int count;

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
    public void onFinish(FinishReason reason, int promptTokens, int completionTokens, String e) {
      if (reason == FinishReason.ERROR) {
        done.completeExceptionally(new IllegalStateException(e));
      } else {
        done.complete(null);
      }
    }
  }
}
