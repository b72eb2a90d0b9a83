package org.llmplatform.inference.engine;

import java.nio.file.Path;
import java.util.Arrays;
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
 * Benchmark of prefix reuse across turns (run by {@code bench/run-prefix-reuse.sh}; not a test):
 * the time to first token of a new turn after a long conversation, with the conversation's KV
 * reused against prefilled again, in one run.
 *
 * <p>Each conversation: a first turn of {@code conversationTokens} prompt tokens that generates
 * {@code replyTokens}, then a new turn (that prompt, the reply and {@code newTokens} more) whose
 * TTFT is measured. Arguments: model dir, conversation tokens (1000), reply tokens (16), new-turn
 * tokens (24), conversations (5).
 */
public final class PrefixReuseBenchmark {

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    int conversationTokens = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int replyTokens = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    int newTokens = args.length > 3 ? Integer.parseInt(args[3]) : 24;
    int conversations = args.length > 4 ? Integer.parseInt(args[4]) : 5;
    var options =
        new RuntimeOptions(Device.CPU, Integer.getInteger("llm.bench.threads", 0), 0, "all");
    double[][] ttft = new double[2][];
    String name = null;
    for (int mode = 0; mode < 2; mode++) {
      long prefixBytes = mode == 0 ? 0 : 1L << 30;
      try (var engine =
          new InferenceEngine(
              new OnnxModelExecutor(DecoderSession.open(model, options)),
              new EngineSettings(4, 64, Long.MAX_VALUE / 4, 0, prefixBytes),
              EngineMetrics.NONE)) {
        engine.start();
        if (!engine.awaitReady(5, TimeUnit.MINUTES)) {
          throw new IllegalStateException("engine warm-up failed");
        }
        name = engine.spec().name();
        var rng = new SplittableRandom(3);
        int vocab = engine.spec().vocabSize();
        ttft[mode] = new double[conversations];
        for (int c = 0; c < conversations; c++) {
          int[] first = rng.ints(conversationTokens, 0, vocab).toArray();
          int[] reply = run(engine, first, replyTokens).ids;
          int[] next = Arrays.copyOf(first, first.length + reply.length + newTokens);
          System.arraycopy(reply, 0, next, first.length, reply.length);
          int[] user = rng.ints(newTokens, 0, vocab).toArray();
          System.arraycopy(user, 0, next, first.length + reply.length, newTokens);
          ttft[mode][c] = run(engine, next, 1).ttftMs;
        }
        Arrays.sort(ttft[mode]);
        System.err.println((mode == 0 ? "no reuse " : "reuse ") + Arrays.toString(ttft[mode]));
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%n%s: new turn of %d tokens after a %d-token conversation (%d + %d reply), %d conversations, %d cores%n%n",
        name,
        conversationTokens + replyTokens + newTokens,
        conversationTokens + replyTokens,
        conversationTokens,
        replyTokens,
        conversations,
        Runtime.getRuntime().availableProcessors());
    System.out.println("| mode | new-turn TTFT p50 ms | min ms | max ms | p50 / without reuse |");
    System.out.println("|---|---:|---:|---:|---:|");
    double base = EngineBenchmark.pct(ttft[0], 50);
    for (int mode = 0; mode < 2; mode++) {
      double[] t = ttft[mode];
      System.out.printf(
          Locale.ROOT,
          "| %s | %.1f | %.1f | %.1f | %.0f%% |%n",
          mode == 0 ? "prefilled again" : "prefix reused",
          EngineBenchmark.pct(t, 50),
          t[0],
          t[t.length - 1],
          100 * EngineBenchmark.pct(t, 50) / base);
    }
  }

  record Turn(int[] ids, double ttftMs) {}

  static Turn run(InferenceEngine engine, int[] prompt, int maxNew) throws Exception {
    int[] ids = new int[maxNew];
    long[] first = new long[1];
    int[] count = new int[1];
    var done = new CompletableFuture<Void>();
    long sent = System.nanoTime();
    engine.submit(
        new GenerationRequest(
            prompt,
            SamplingParams.greedy(maxNew, Set.of()),
            new GenerationListener() {
              @Override
              public void onToken(TokenChoice token) {
                if (count[0] == 0) {
                  first[0] = System.nanoTime();
                }
                ids[count[0]++] = token.tokenId();
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
            }));
    done.get(10, TimeUnit.MINUTES);
    return new Turn(Arrays.copyOf(ids, count[0]), (first[0] - sent) / 1e6);
  }
}
