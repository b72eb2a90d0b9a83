package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.TestModels;
import org.llmplatform.inference.kvcache.KvCache;
import org.llmplatform.inference.kvcache.KvCache.KvRow;
import org.llmplatform.inference.naive.NaiveModelExecutor;

/**
 * The differential test of the ONNX Runtime executors ({@link OnnxModelExecutor}'s pinned outputs
 * and {@link IoBindingModelExecutor}; KV cache, padded batches, shared buffers) against the naive
 * executor (full recomputation, plain loops): one script of steps on each, prompts joining and
 * leaving the batch between decode steps and prefilled in chunks, gives the same greedy ids and
 * logits within 1e-4 at every step of every row. An fp16 model's within 5e-3 + 0.2%: its keys and
 * values are rounded to fp16, and a value that lands on the other side of a rounding boundary in
 * one implementation moves the later logits by a few fp16 steps.
 */
class NaiveExecutorParityTest {

  static Stream<Path> fixtures() {
    return TestModels.modelToolsWithReference().stream();
  }

  /**
   * Each fixture on each ONNX Runtime path: pinned outputs and IoBinding, each also with every
   * fresh KV block NaN ({@link PoisonedKvMemory}: the caches do not zero their memory, so a byte
   * read before it was written would spoil the logits).
   */
  static Stream<Arguments> fixturesAndPaths() {
    return fixtures()
        .flatMap(
            m ->
                Stream.of(
                    Arguments.of(m, "pinned"),
                    Arguments.of(m, "iobinding"),
                    Arguments.of(m, "pinned, NaN memory"),
                    Arguments.of(m, "iobinding, NaN memory")));
  }

  static ModelExecutor executor(Path model, String path) throws Exception {
    return switch (path) {
      case "pinned" -> IoBindingParityTest.pinned(model);
      case "iobinding" -> IoBindingParityTest.bound(model);
      case "pinned, NaN memory" -> IoBindingParityTest.pinnedPoisoned(model);
      case "iobinding, NaN memory" -> IoBindingParityTest.boundPoisoned(model);
      default -> throw new IllegalArgumentException(path);
    };
  }

  /** Per decode step, per row: the logits; the ids chosen from them (greedy) follow. */
  record Trace(List<float[][]> steps, List<int[]> ids) {}

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("fixturesAndPaths")
  void batchedChunkedStepsGiveTheNaiveIdsAndLogits(Path model, String path) throws Exception {
    int[][] prompts = prompts(model);
    Trace naive;
    try (var executor = NaiveModelExecutor.open(model)) {
      naive = run(executor, prompts);
    }
    Trace onnx;
    try (var executor = executor(model, path)) {
      onnx = run(executor, prompts);
    }
    boolean fp16 = model.getFileName().toString().contains("fp16");
    assertThat(onnx.steps()).hasSameSizeAs(naive.steps());
    for (int s = 0; s < naive.steps().size(); s++) {
      assertThat(onnx.ids().get(s)).as("ids of step %d", s).containsExactly(naive.ids().get(s));
      float[][] expected = naive.steps().get(s);
      float[][] actual = onnx.steps().get(s);
      for (int r = 0; r < expected.length; r++) {
        for (int i = 0; i < expected[r].length; i++) {
          float tolerance = fp16 ? 5e-3f + 2e-3f * Math.abs(expected[r][i]) : 1e-4f;
          assertThat(Math.abs(actual[r][i] - expected[r][i]))
              .as("step %d, row %d, logit %d", s, r, i)
              .isLessThanOrEqualTo(tolerance);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("fixturesAndPaths")
  void theEngineOverEachPathGivesTheEngineOverNaiveTokens(Path model, String path)
      throws Exception {
    List<List<int[]>> naive = engineRun(NaiveModelExecutor.open(model), model);
    List<List<int[]>> onnx = engineRun(executor(model, path), model);
    assertThat(onnx).hasSameSizeAs(naive);
    for (int i = 0; i < naive.size(); i++) {
      for (int c = 0; c < naive.get(i).size(); c++) {
        assertThat(onnx.get(i).get(c))
            .as("request %d, choice %d", i, c)
            .containsExactly(naive.get(i).get(c));
      }
    }
  }

  /**
   * The reference prompts at once through one engine (batch 4, prefill chunks of 4, prefix cache
   * on): greedy, one of 2 choices, one 3-beam search; then the next turn of the first conversation.
   * Per request, per choice, the ids.
   */
  static List<List<int[]>> engineRun(ModelExecutor executor, Path model) throws Exception {
    var settings = new EngineSettings(4, 64, 1L << 30, 4, 1L << 24);
    List<ReferenceCase> cases = ReferenceCase.load(model);
    List<ChoicesTest.ChoicesListener> out = new ArrayList<>();
    int[] hitTokens = new int[1];
    EngineMetrics metrics =
        new EngineMetrics() {
          @Override
          public void admitted(long queueNanos) {}

          @Override
          public void firstToken(long ttftNanos) {}

          @Override
          public void nextToken(long gapNanos) {}

          @Override
          public void finished(long e2eNanos, int promptTokens, int generatedTokens) {}

          @Override
          public void prefixCacheQueried(int promptTokens, int hits) {
            hitTokens[0] += hits;
          }
        };
    try (var engine = new InferenceEngine(executor, settings, metrics)) {
      engine.start();
      assertThat(engine.awaitReady(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < cases.size(); i++) {
        int[] prompt = cases.get(i).promptIds();
        var params =
            i == 2
                ? new org.llmplatform.inference.sampling.SamplingParams(
                    0,
                    0,
                    1,
                    0,
                    1,
                    0,
                    0,
                    java.util.Map.of(),
                    null,
                    java.util.Set.of(),
                    10,
                    null,
                    3,
                    1.0,
                    false)
                : org.llmplatform.inference.sampling.SamplingParams.greedy(
                    8 + 4 * i, java.util.Set.of());
        int n = i == 1 ? 2 : 1;
        var l = new ChoicesTest.ChoicesListener(n);
        out.add(l);
        engine.submit(new GenerationRequest(prompt, params, n, l));
      }
      for (var l : out) {
        l.await();
      }
      int[] first = cases.getFirst().promptIds();
      int[] reply = out.getFirst().ids()[0];
      int[] next = java.util.Arrays.copyOf(first, first.length + reply.length + 3);
      System.arraycopy(reply, 0, next, first.length, reply.length);
      System.arraycopy(cases.getLast().promptIds(), 0, next, first.length + reply.length, 3);
      var turn = new ChoicesTest.ChoicesListener(1);
      out.add(turn);
      engine.submit(
          new GenerationRequest(
              next,
              org.llmplatform.inference.sampling.SamplingParams.greedy(10, java.util.Set.of()),
              1,
              turn));
      turn.await();
    }
    assertThat(hitTokens[0]).as("prompt tokens from the prefix cache").isPositive();
    List<List<int[]>> ids = new ArrayList<>();
    for (var l : out) {
      ids.add(List.of(l.ids()));
    }
    return ids;
  }

  /**
   * Prompt 0 alone for 3 steps; prompt 1 (prefilled in chunks of 4) joins for 3; prompt 2 joins and
   * prompt 0 leaves, 4 more steps. Each row feeds its own greedy id.
   */
  static Trace run(ModelExecutor executor, int[][] prompts) throws Exception {
    int vocab = executor.spec().vocabSize();
    KvCache batch = executor.batchCache();
    List<int[]> rows = new ArrayList<>(); // per row: prompt + ids so far
    List<float[][]> steps = new ArrayList<>();
    List<int[]> ids = new ArrayList<>();
    float[][] logits = new float[3][vocab];
    join(executor, rows, prompts[0], 0);
    decode(executor, rows, logits, 3, steps, ids);
    join(executor, rows, prompts[1], 4);
    decode(executor, rows, logits, 3, steps, ids);
    join(executor, rows, prompts[2], 0);
    List<KvRow> layout = new ArrayList<>();
    for (int r = 1; r < rows.size(); r++) {
      layout.add(new KvRow(batch, r, rows.get(r).length - 1));
    }
    batch.gather(layout);
    rows.removeFirst();
    decode(executor, rows, logits, 4, steps, ids);
    return new Trace(steps, ids);
  }

  /** Prefills {@code prompt} (in chunks of {@code chunk}, whole when 0) and appends its row. */
  private static void join(ModelExecutor executor, List<int[]> rows, int[] prompt, int chunk)
      throws Exception {
    float[] last = new float[executor.spec().vocabSize()];
    for (int from = 0; from < prompt.length; ) {
      int to = chunk == 0 ? prompt.length : Math.min(prompt.length, from + chunk);
      executor.prefillChunk(prompt, from, to, last);
      from = to;
    }
    KvCache batch = executor.batchCache();
    List<KvRow> layout = new ArrayList<>();
    for (int r = 0; r < rows.size(); r++) {
      layout.add(new KvRow(batch, r, rows.get(r).length - 1));
    }
    layout.add(new KvRow(executor.prefillCache(), 0, prompt.length));
    batch.gather(layout);
    int[] row = java.util.Arrays.copyOf(prompt, prompt.length + 1);
    row[prompt.length] = argmax(last);
    rows.add(row);
  }

  /** {@code n} decode steps: each row feeds its last id, then takes the argmax of its logits. */
  private static void decode(
      ModelExecutor executor,
      List<int[]> rows,
      float[][] logits,
      int n,
      List<float[][]> steps,
      List<int[]> ids)
      throws Exception {
    for (int step = 0; step < n; step++) {
      int count = rows.size();
      int[] tokens = new int[count];
      int[] kv = new int[count];
      for (int r = 0; r < count; r++) {
        int[] row = rows.get(r);
        tokens[r] = row[row.length - 1];
        kv[r] = row.length - 1;
      }
      executor.decode(tokens, kv, kv, logits);
      float[][] copy = new float[count][];
      int[] chosen = new int[count];
      for (int r = 0; r < count; r++) {
        copy[r] = logits[r].clone();
        chosen[r] = argmax(logits[r]);
        int[] row = java.util.Arrays.copyOf(rows.get(r), rows.get(r).length + 1);
        row[row.length - 1] = chosen[r];
        rows.set(r, row);
      }
      steps.add(copy);
      ids.add(chosen);
    }
  }

  private static int[][] prompts(Path model) {
    List<ReferenceCase> cases = ReferenceCase.load(model);
    int[] longest = cases.getFirst().promptIds();
    for (ReferenceCase c : cases) {
      if (c.promptIds().length > longest.length) {
        longest = c.promptIds();
      }
    }
    return new int[][] {cases.get(1).promptIds(), longest, cases.getFirst().promptIds()};
  }

  private static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
