package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;

/**
 * A new turn whose prompt extends a finished conversation reuses that conversation's KV and gives
 * exactly the tokens it gives without reuse.
 */
class PrefixReuseTest {

  /** Counts prefix-cache lookups and reused tokens. */
  static final class PrefixCounts implements EngineMetrics {
    final AtomicInteger queries = new AtomicInteger();
    final AtomicInteger hitTokens = new AtomicInteger();

    @Override
    public void admitted(long queueNanos) {}

    @Override
    public void firstToken(long ttftNanos) {}

    @Override
    public void nextToken(long gapNanos) {}

    @Override
    public void finished(long e2eNanos, int promptTokens, int generatedTokens) {}

    @Override
    public void prefixCacheQueried(int promptTokens, int hitTokens) {
      queries.incrementAndGet();
      this.hitTokens.addAndGet(hitTokens);
    }
  }

  static InferenceEngine engine(Path model, long prefixBytes, int chunk, EngineMetrics metrics)
      throws Exception {
    var executor = new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults()));
    var engine =
        new InferenceEngine(
            executor, new EngineSettings(4, 64, 1L << 30, chunk, prefixBytes), metrics);
    engine.start();
    assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
    return engine;
  }

  static int[] generate(InferenceEngine engine, int[] prompt, int maxNew) throws Exception {
    var l = new CollectingListener();
    engine.submit(new GenerationRequest(prompt, ContinuousBatchingTest.greedy(maxNew), l));
    assertThat(l.await()).isEqualTo(FinishReason.LENGTH);
    return l.ids();
  }

  static int[] concat(int[]... parts) {
    int[] out = new int[0];
    for (int[] p : parts) {
      int at = out.length;
      out = Arrays.copyOf(out, at + p.length);
      System.arraycopy(p, 0, out, at, p.length);
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.llmplatform.inference.engine.ContinuousBatchingTest#models")
  void aNewTurnGivesTheSameTokensWithAndWithoutReuse(Path model) throws Exception {
    int[][] prompts = ContinuousBatchingTest.promptsOf(model);
    int[] first = prompts[0];
    int[] userTurn = prompts[prompts.length - 1];
    int[][] turns = new int[3][];
    try (var plain = engine(model, 0, 0, EngineMetrics.NONE)) {
      int[] reply1 = generate(plain, first, 6);
      int[] second = concat(first, reply1, userTurn);
      int[] reply2 = generate(plain, second, 6);
      int[] third = concat(second, reply2, userTurn);
      turns[0] = reply1;
      turns[1] = reply2;
      turns[2] = generate(plain, third, 6);
    }
    for (int chunk : new int[] {0, 3}) {
      var counts = new PrefixCounts();
      try (var reusing = engine(model, 64L << 20, chunk, counts)) {
        int[] reply1 = generate(reusing, first, 6);
        int[] second = concat(first, reply1, userTurn);
        int[] reply2 = generate(reusing, second, 6);
        int[] reply3 = generate(reusing, concat(second, reply2, userTurn), 6);
        assertThat(new int[][] {reply1, reply2, reply3}).as("chunk %d", chunk).isDeepEqualTo(turns);
        assertThat(counts.queries).hasValue(3);
        // turn 2 reuses the prompt and all but the last reply token of turn 1; turn 3 likewise
        assertThat(counts.hitTokens).hasValue((first.length + 5) + (second.length + 5));
      }
    }
  }
}
