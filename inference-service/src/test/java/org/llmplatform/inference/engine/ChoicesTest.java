package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmplatform.inference.TestModels;
import org.llmplatform.inference.kvcache.KvCache;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.llmplatform.inference.sampling.InvalidParameterException;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.inference.sampling.TokenChoice;

/**
 * A request of n choices: its prompt is prefilled once and forked into n rows, and choice i gives
 * exactly the tokens of a request of one choice with seed + i, whatever else shares the batch.
 */
class ChoicesTest {

  static final int[] PROMPT = ContinuousBatchingTest.PROMPTS[2];

  /** The executor under the engine, counting the prefill passes and the prompt tokens they ran. */
  static final class CountingExecutor implements ModelExecutor {
    final ModelExecutor delegate;
    final AtomicInteger prefillPasses = new AtomicInteger();
    final AtomicInteger prefillTokens = new AtomicInteger();

    CountingExecutor(ModelExecutor delegate) {
      this.delegate = delegate;
    }

    void reset() {
      prefillPasses.set(0);
      prefillTokens.set(0);
    }

    @Override
    public ModelSpec spec() {
      return delegate.spec();
    }

    @Override
    public String device() {
      return delegate.device();
    }

    @Override
    public KvCache batchCache() {
      return delegate.batchCache();
    }

    @Override
    public KvCache prefillCache() {
      return delegate.prefillCache();
    }

    @Override
    public void prefill(int[] promptIds, float[] lastLogits) throws Exception {
      prefillPasses.incrementAndGet();
      prefillTokens.addAndGet(promptIds.length);
      delegate.prefill(promptIds, lastLogits);
    }

    @Override
    public boolean prefillsInChunks() {
      return delegate.prefillsInChunks();
    }

    @Override
    public void prefillChunk(int[] promptIds, int from, int to, float[] lastLogits)
        throws Exception {
      prefillPasses.incrementAndGet();
      prefillTokens.addAndGet(to - from);
      delegate.prefillChunk(promptIds, from, to, lastLogits);
    }

    @Override
    public void decode(int[] tokens, int[] positions, int[] kvLengths, float[][] logits)
        throws Exception {
      delegate.decode(tokens, positions, kvLengths, logits);
    }

    @Override
    public KvCache newKvCache() {
      return delegate.newKvCache();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  /** Requests as the metrics see them: first tokens, and each finished request's token counts. */
  static final class RecordingMetrics implements EngineMetrics {
    final AtomicInteger firstTokens = new AtomicInteger();
    final List<int[]> finished = new CopyOnWriteArrayList<>(); // {prompt tokens, generated}

    @Override
    public void admitted(long queueNanos) {}

    @Override
    public void firstToken(long ttftNanos) {
      firstTokens.incrementAndGet();
    }

    @Override
    public void nextToken(long gapNanos) {}

    @Override
    public void finished(long e2eNanos, int promptTokens, int generatedTokens) {
      finished.add(new int[] {promptTokens, generatedTokens});
    }
  }

  /** Each choice's tokens and finish, through the calls that name the choice. */
  static class ChoicesListener implements GenerationListener {
    final CollectingListener[] choices;
    final List<Integer> completionTokens = new CopyOnWriteArrayList<>();
    volatile long firstTokenNanos; // of any choice

    ChoicesListener(int n) {
      choices = new CollectingListener[n];
      Arrays.setAll(choices, i -> new CollectingListener());
    }

    @Override
    public void onToken(TokenChoice token) {
      throw new AssertionError("the engine names the choice of every token");
    }

    @Override
    public void onFinish(FinishReason reason, int promptTokens, int completionTokens, String e) {
      throw new AssertionError("the engine names the choice of every finish");
    }

    @Override
    public void onToken(int choice, TokenChoice token) {
      if (firstTokenNanos == 0) {
        firstTokenNanos = System.nanoTime();
      }
      choices[choice].onToken(token);
    }

    @Override
    public void onFinish(
        int choice, FinishReason reason, int promptTokens, int completionTokens, String error) {
      this.completionTokens.add(completionTokens);
      choices[choice].onFinish(reason, promptTokens, completionTokens, error);
    }

    List<FinishReason> await() throws Exception {
      List<FinishReason> out = new ArrayList<>();
      for (CollectingListener c : choices) {
        out.add(c.await());
      }
      return out;
    }

    int[][] ids() {
      return Arrays.stream(choices).map(CollectingListener::ids).toArray(int[][]::new);
    }
  }

  record Engine(InferenceEngine engine, CountingExecutor executor) implements AutoCloseable {
    @Override
    public void close() {
      engine.close();
    }
  }

  static Engine engine(Path model, EngineSettings settings, EngineMetrics metrics)
      throws Exception {
    var executor =
        new CountingExecutor(
            new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults())));
    var engine = new InferenceEngine(executor, settings, metrics);
    engine.start();
    assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
    executor.reset(); // the start-up probe and warm-up step are no request's
    return new Engine(engine, executor);
  }

  static Engine engine(Path model) throws Exception {
    return engine(model, new EngineSettings(8, 64, 1L << 30), EngineMetrics.NONE);
  }

  static int[] solo(InferenceEngine engine, int[] prompt, SamplingParams params) throws Exception {
    var l = new CollectingListener();
    engine.submit(new GenerationRequest(prompt, params, l));
    l.await();
    return l.ids();
  }

  static ChoicesListener choices(InferenceEngine engine, int[] prompt, SamplingParams p, int n)
      throws Exception {
    var l = new ChoicesListener(n);
    engine.submit(new GenerationRequest(prompt, p, n, l));
    l.await();
    return l;
  }

  static SamplingParams sampled(long seed, Set<Integer> stop) {
    return new SamplingParams(
        0.9, 40, 0.95, 0.02, 1.1, 0.1, 0.1, Map.of(), seed, stop, 30, 5, 1, 1, false);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.llmplatform.inference.engine.ContinuousBatchingTest#models")
  void greedyChoicesAreTheOneChoiceRunFromOnePrefill(Path model) throws Exception {
    int[] prompt = ContinuousBatchingTest.promptsOf(model)[0];
    var metrics = new RecordingMetrics();
    try (var e = engine(model, new EngineSettings(8, 64, 1L << 30), metrics)) {
      int[] one = solo(e.engine(), prompt, ContinuousBatchingTest.greedy(12));
      e.executor().reset();
      metrics.finished.clear();
      metrics.firstTokens.set(0);

      var three = choices(e.engine(), prompt, ContinuousBatchingTest.greedy(12), 3);

      assertThat(three.await()).containsOnly(FinishReason.LENGTH);
      assertThat(three.ids()).isDeepEqualTo(new int[][] {one, one, one});
      assertThat(e.executor().prefillPasses).as("prefill passes").hasValue(1);
      assertThat(e.executor().prefillTokens).as("prompt tokens prefilled").hasValue(prompt.length);
      assertThat(three.completionTokens).containsExactly(12, 12, 12);
      // one request in the metrics: the prompt counted once, the tokens of all three choices
      assertThat(metrics.finished).singleElement().isEqualTo(new int[] {prompt.length, 36});
      assertThat(metrics.firstTokens).hasValue(1);
    }
  }

  /** Whole prompts without prefix reuse, and chunks of 3 on top of a reused prefix. */
  @ParameterizedTest(name = "prefill chunk {0}")
  @ValueSource(ints = {0, 3})
  void seededChoiceIIsTheOneChoiceRunWithSeedPlusI(int chunk) throws Exception {
    Path model = TestModels.stories260K();
    long seed = 1234;
    var settings = new EngineSettings(8, 64, 1L << 30, chunk, chunk == 0 ? 0 : 64L << 20);
    try (var e = engine(model, settings, EngineMetrics.NONE)) {
      var engine = e.engine();
      // a stop id that choice 1 draws early, so the choices end at different steps
      int stop = solo(engine, PROMPT, sampled(seed + 1, Set.of()))[4];
      var params = sampled(seed, Set.of(stop));
      int[][] ones = new int[4][];
      for (int i = 0; i < 4; i++) {
        ones[i] = solo(engine, PROMPT, sampled(seed + i, Set.of(stop)));
      }
      e.executor().reset();

      var four = choices(engine, PROMPT, params, 4);
      int passes = e.executor().prefillPasses.get();
      var again = choices(engine, PROMPT, params, 4);

      assertThat(four.ids()).isDeepEqualTo(ones);
      assertThat(again.ids()).isDeepEqualTo(ones);
      assertThat(Arrays.stream(ones).map(Arrays::toString).distinct()).hasSize(4);
      assertThat(four.choices[1].finish).isCompletedWithValue(FinishReason.STOP);
      assertThat(ones[1].length).isLessThanOrEqualTo(5);
      assertThat(Arrays.stream(ones).mapToInt(a -> a.length).distinct().count()).isGreaterThan(1);
      assertThat(four.choices[0].tokens.getFirst().top()).hasSize(5);
      // one request's passes: the whole prompt, or its chunks of 3 (no cached prefix of it)
      assertThat(passes).isEqualTo(chunk == 0 ? 1 : (int) Math.ceil(PROMPT.length / 3.0));
      assertThat(four.completionTokens).hasSize(4);
    }
  }

  @Test
  void choicesShareTheBatchWithoutChangingAnotherRequest() throws Exception {
    Path model = TestModels.stories260K();
    int[] other = ContinuousBatchingTest.PROMPTS[0];
    try (var e = engine(model)) {
      var engine = e.engine();
      int[] otherAlone = solo(engine, other, ContinuousBatchingTest.greedy(30));
      int[][] choicesAlone = choices(engine, PROMPT, sampled(7, Set.of()), 3).ids();

      var otherBatched = new CollectingListener();
      engine.submit(new GenerationRequest(other, ContinuousBatchingTest.greedy(30), otherBatched));
      var batched = choices(engine, PROMPT, sampled(7, Set.of()), 3);
      otherBatched.await();

      assertThat(otherBatched.ids()).containsExactly(otherAlone);
      assertThat(batched.ids()).isDeepEqualTo(choicesAlone);
    }
  }

  @Test
  void cancellingTheRequestCancelsEveryChoiceAndFreesTheirSlots() throws Exception {
    Path model = TestModels.stories260K();
    try (var e = engine(model, new EngineSettings(4, 64, 1L << 30), EngineMetrics.NONE)) {
      var engine = e.engine();
      GenerationRequest[] holder = new GenerationRequest[1];
      var l =
          new ChoicesListener(3) {
            @Override
            public void onToken(int choice, TokenChoice token) {
              super.onToken(choice, token);
              if (choice == 2 && choices[2].tokens.size() == 5) {
                engine.cancel(holder[0]);
              }
            }
          };
      holder[0] = new GenerationRequest(PROMPT, ContinuousBatchingTest.greedy(400), 3, l);
      engine.submit(holder[0]);

      assertThat(l.await()).containsOnly(FinishReason.CANCELLED);
      assertThat(l.completionTokens).hasSize(3);
      for (CollectingListener c : l.choices) {
        assertThat(c.tokens.size()).isBetween(5, 6);
      }
      assertThat(holder[0].state()).isEqualTo(RequestState.CANCELLED);
      // all slots free again: a request that needs every one of them runs
      var all = choices(engine, PROMPT, ContinuousBatchingTest.greedy(3), 4);
      assertThat(all.await()).containsOnly(FinishReason.LENGTH);
    }
  }

  @Test
  void aWaitingRequestCancelledEndsEachChoice() throws Exception {
    var executor =
        new OnnxModelExecutor(
            DecoderSession.open(TestModels.stories260K(), RuntimeOptions.cpuDefaults()));
    // never started: requests stay in the queue
    try (var engine =
        new InferenceEngine(executor, new EngineSettings(4, 8, 1L << 30), EngineMetrics.NONE)) {
      var l = new ChoicesListener(3);
      var request = new GenerationRequest(PROMPT, ContinuousBatchingTest.greedy(5), 3, l);
      engine.submit(request);
      engine.cancel(request);
      assertThat(l.await()).containsOnly(FinishReason.CANCELLED);
      assertThat(request.state()).isEqualTo(RequestState.CANCELLED);
    }
  }

  @Test
  void nBeyondTheMaximumOrWithBeamSearchIsRefusedNamingN() throws Exception {
    var executor =
        new OnnxModelExecutor(
            DecoderSession.open(TestModels.stories260K(), RuntimeOptions.cpuDefaults()));
    try (var engine =
        new InferenceEngine(
            executor, new EngineSettings(8, 8, 1L << 30, 0, 0, 4), EngineMetrics.NONE)) {
      var greedy = ContinuousBatchingTest.greedy(5);
      var beams =
          new SamplingParams(0, 0, 1, 0, 1, 0, 0, Map.of(), null, Set.of(), 5, null, 2, 1, false);
      var l = new CollectingListener();
      assertThatThrownBy(() -> engine.submit(new GenerationRequest(PROMPT, greedy, 5, l)))
          .isInstanceOf(InvalidParameterException.class)
          .hasMessageContaining("[1, 4]")
          .extracting(t -> ((InvalidParameterException) t).param())
          .isEqualTo("n");
      assertThatThrownBy(() -> engine.submit(new GenerationRequest(PROMPT, beams, 2, l)))
          .extracting(t -> ((InvalidParameterException) t).param())
          .isEqualTo("n");
      assertThatThrownBy(() -> new GenerationRequest(PROMPT, greedy, 0, l))
          .extracting(t -> ((InvalidParameterException) t).param())
          .isEqualTo("n");
      assertThat(engine.waitingRequests()).isZero();
    }
  }
}
