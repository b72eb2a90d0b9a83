package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.TestModels;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.llmplatform.inference.runtime.TensorType;

/**
 * A prompt prefilled in chunks (between decode steps of other requests) gives the same logits and
 * tokens as the prompt prefilled in one pass.
 */
class ChunkedPrefillTest {

  static Stream<ReferenceCase> cases() {
    return ContinuousBatchingTest.models().flatMap(m -> ReferenceCase.load(m).stream());
  }

  /** The reference prompt followed by its greedy continuation: a longer prompt, in vocabulary. */
  static int[] longPrompt(ReferenceCase c) {
    int[] out = Arrays.copyOf(c.promptIds(), c.promptIds().length + c.greedyIds().length);
    System.arraycopy(c.greedyIds(), 0, out, c.promptIds().length, c.greedyIds().length);
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void chunksGiveTheLogitsAndTokensOfOnePass(ReferenceCase c) throws Exception {
    Path model = c.dir();
    int[] prompt = longPrompt(c);
    try (var executor =
        new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults()))) {
      int vocab = executor.spec().vocabSize();
      boolean fp16 = executor.spec().logitsType() == TensorType.FLOAT16;
      float[] whole = new float[vocab];
      executor.prefill(prompt, whole);
      int[] wholeIds = OnnxModelExecutorParityTest.greedy(executor, prompt, whole, 8);
      for (int chunk : new int[] {1, 3, 7}) {
        float[] chunked = new float[vocab];
        for (int from = 0; from < prompt.length; from += chunk) {
          executor.prefillChunk(prompt, from, Math.min(prompt.length, from + chunk), chunked);
        }
        // chunks sum in another order than one pass, and an fp16 model's past is rounded to fp16
        // between chunks: what that leaves grows with the logits' scale (a trained model's reach
        // ~15-20, where 1e-4 is a few dozen fp32 ulps or one fp16 one); a chunking bug (a wrong
        // position or mask) moves them by whole units
        float reach = maxAbs(whole);
        float scaled = (fp16 ? 5e-5f : 2e-5f) * reach;
        for (int i = 0; i < vocab; i++) {
          float tolerance =
              Math.max(
                  scaled,
                  fp16
                      ? Math.max(1e-4f, OnnxModelExecutorParityTest.fp16Ulp(whole[i]) + 1e-6f)
                      : 1e-4f);
          assertThat(Math.abs(chunked[i] - whole[i]))
              .as("%s: chunk %d, logit %d (max |logit| %s)", model, chunk, i, reach)
              .isLessThanOrEqualTo(tolerance);
        }
        assertThat(OnnxModelExecutorParityTest.greedy(executor, prompt, chunked, 8))
            .as("chunk %d", chunk)
            .containsExactly(wholeIds);
      }
    }
  }

  private static float maxAbs(float[] values) {
    float max = 0;
    for (float v : values) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.llmplatform.inference.engine.ContinuousBatchingTest#models")
  void promptsPrefilledInChunksBetweenDecodeStepsGiveTheirOnePassTokens(Path model)
      throws Exception {
    int[][] prompts = ContinuousBatchingTest.promptsOf(model);
    int[] maxNew = ContinuousBatchingTest.MAX_NEW;
    List<int[]> solo = new ArrayList<>();
    try (var engine = ContinuousBatchingTest.engine(model, 1)) {
      for (int i = 0; i < prompts.length; i++) {
        var l = new CollectingListener();
        engine.submit(
            new GenerationRequest(prompts[i], ContinuousBatchingTest.greedy(maxNew[i]), l));
        assertThat(l.await()).isEqualTo(FinishReason.LENGTH);
        solo.add(l.ids());
      }
    }
    try (var engine = chunkedEngine(model, 2)) {
      // the first request decodes while the others arrive and are prefilled two tokens at a time
      CollectingListener[] collectors = new CollectingListener[prompts.length];
      for (int i = 0; i < prompts.length; i++) {
        collectors[i] = new CollectingListener();
      }
      var first =
          new ContinuousBatchingTest.ChainingListener(
              collectors[0],
              2,
              () -> {
                for (int i = 1; i < prompts.length; i++) {
                  engine.submit(
                      new GenerationRequest(
                          prompts[i], ContinuousBatchingTest.greedy(maxNew[i]), collectors[i]));
                }
              });
      engine.submit(
          new GenerationRequest(prompts[0], ContinuousBatchingTest.greedy(maxNew[0]), first));
      for (int i = 0; i < prompts.length; i++) {
        assertThat(collectors[i].await()).isEqualTo(FinishReason.LENGTH);
        assertThat(collectors[i].ids()).as("prompt %d", i).containsExactly(solo.get(i));
      }
    }
  }

  /** The real executor seen through the interface's defaults: whole prompts, no spare caches. */
  record WholePromptExecutor(ModelExecutor real) implements ModelExecutor {
    @Override
    public org.llmplatform.inference.runtime.ModelSpec spec() {
      return real.spec();
    }

    @Override
    public String device() {
      return real.device();
    }

    @Override
    public org.llmplatform.inference.kvcache.KvCache batchCache() {
      return real.batchCache();
    }

    @Override
    public org.llmplatform.inference.kvcache.KvCache prefillCache() {
      return real.prefillCache();
    }

    @Override
    public void prefill(int[] promptIds, float[] lastLogits) throws Exception {
      real.prefill(promptIds, lastLogits);
    }

    @Override
    public void decode(int[] tokens, int[] positions, int[] kvLengths, float[][] logits)
        throws Exception {
      real.decode(tokens, positions, kvLengths, logits);
    }

    @Override
    public void close() {
      real.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.llmplatform.inference.engine.ContinuousBatchingTest#models")
  void anExecutorWithoutChunksGetsWholePromptsWhateverTheSetting(Path model) throws Exception {
    int[] prompt = ContinuousBatchingTest.promptsOf(model)[0];
    int[] expected;
    try (var engine = ContinuousBatchingTest.engine(model, 1)) {
      var l = new CollectingListener();
      engine.submit(new GenerationRequest(prompt, ContinuousBatchingTest.greedy(8), l));
      l.await();
      expected = l.ids();
    }
    var executor =
        new WholePromptExecutor(
            new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults())));
    try (var engine =
        new InferenceEngine(
            executor, new EngineSettings(4, 64, 1L << 30, 2, 1L << 20), EngineMetrics.NONE)) {
      engine.start();
      assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
      for (int turn = 0; turn < 2; turn++) {
        var l = new CollectingListener();
        engine.submit(new GenerationRequest(prompt, ContinuousBatchingTest.greedy(8), l));
        assertThat(l.await()).isEqualTo(FinishReason.LENGTH);
        assertThat(l.ids()).containsExactly(expected);
      }
    }
  }

  /**
   * ONNX Runtime GenAI's graph cannot run a multi-token chunk on top of a past (its attention-mask
   * Expand fails): with chunking and prefix reuse configured, the engine finds that out before it
   * starts and serves prompts longer than a chunk whole, on either executor, instead of failing
   * them; a second turn of the same prompt (a prefix-cache candidate) gives the same tokens too.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"pinned", "iobinding"})
  void aModelThatCannotChunkOnTopOfAPastIsServedWithWholePrompts(String binding) throws Exception {
    Path model = TestModels.shared("ortgenai-tiny-llama-fp16");
    int[] prompt = {0, 450, 4996, 17354, 1701, 975, 278, 17366, 11203, 29889, 450, 4996};
    int[] expected;
    try (var engine = ContinuousBatchingTest.engine(model, 1)) {
      var l = new CollectingListener();
      engine.submit(new GenerationRequest(prompt, ContinuousBatchingTest.greedy(10), l));
      assertThat(l.await()).isEqualTo(FinishReason.LENGTH);
      expected = l.ids();
    }
    DecoderSession session = DecoderSession.open(model, RuntimeOptions.cpuDefaults());
    ModelExecutor executor =
        binding.equals("pinned")
            ? new OnnxModelExecutor(session)
            : new IoBindingModelExecutor(session);
    try (var engine =
        new InferenceEngine(
            executor, new EngineSettings(4, 64, 1L << 30, 4, 1L << 20), EngineMetrics.NONE)) {
      engine.start();
      assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
      for (int turn = 0; turn < 2; turn++) {
        var l = new CollectingListener();
        engine.submit(new GenerationRequest(prompt, ContinuousBatchingTest.greedy(10), l));
        assertThat(l.await()).as("turn %d", turn).isEqualTo(FinishReason.LENGTH);
        assertThat(l.ids()).as("turn %d", turn).containsExactly(expected);
      }
    }
  }

  static InferenceEngine chunkedEngine(Path model, int chunk) throws Exception {
    var executor = new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults()));
    var engine =
        new InferenceEngine(
            executor, new EngineSettings(8, 64, 1L << 30, chunk), EngineMetrics.NONE);
    engine.start();
    assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
    return engine;
  }
}
