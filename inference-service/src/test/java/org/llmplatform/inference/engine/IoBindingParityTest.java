package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.TestModels;
import org.llmplatform.inference.kvcache.KvCache.KvRow;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.OrtIoBinding;
import org.llmplatform.inference.runtime.RuntimeOptions;

/**
 * Differential test of the IoBinding path (C API over FFM, KV in memory the engine owns) against
 * the pinned-output path through ORT Java: same prompts, same batch changes, logits within 1e-6 at
 * every step and identical tokens, on every test-models fixture, stories260K and the ORT GenAI fp16
 * model.
 */
class IoBindingParityTest {

  static final float TOLERANCE = 1e-6f;

  static Stream<Path> models() {
    List<Path> out = new ArrayList<>(TestModels.withReference());
    TestModels.addSharedIfPresent(out, "ortgenai-tiny-llama-fp16");
    // int8 weights (MatMulNBits, QDQ): no reference.json, compared with the pinned path only
    Path fixtures = Path.of(System.getProperty("llm.repo.dir", ".."), "test-models");
    if (java.nio.file.Files.isDirectory(fixtures)) {
      try (Stream<Path> dirs = java.nio.file.Files.list(fixtures)) {
        dirs.filter(d -> java.nio.file.Files.isRegularFile(d.resolve("quantization.json")))
            .sorted()
            .forEach(out::add);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return out.stream();
  }

  static Stream<ReferenceCase> cases() {
    return TestModels.withReference().stream().flatMap(m -> ReferenceCase.load(m).stream());
  }

  static ModelExecutor pinned(Path model) {
    return new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults()));
  }

  static ModelExecutor bound(Path model) throws OrtException {
    return new IoBindingModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults()));
  }

  /** The pinned path with every fresh KV block NaN ({@link PoisonedKvMemory}). */
  static ModelExecutor pinnedPoisoned(Path model) {
    return new OnnxModelExecutor(
        DecoderSession.open(model, RuntimeOptions.cpuDefaults()), PoisonedKvMemory.create());
  }

  /** The IoBinding path with every fresh KV block NaN ({@link PoisonedKvMemory}). */
  static ModelExecutor boundPoisoned(Path model) throws OrtException {
    return new IoBindingModelExecutor(
        DecoderSession.open(model, RuntimeOptions.cpuDefaults()), PoisonedKvMemory.create());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void reproducesReferenceGreedyIdsAndFirstStepLogits(ReferenceCase c) throws Exception {
    Path dir = c.dir();
    try (var executor = bound(dir)) {
      float[] logits = new float[executor.spec().vocabSize()];
      executor.prefill(c.promptIds(), logits);
      float[] pinnedLogits = new float[logits.length];
      try (var reference = pinned(dir)) {
        reference.prefill(c.promptIds(), pinnedLogits);
      }
      assertClose(logits, pinnedLogits, "first step");
      int[] generated =
          OnnxModelExecutorParityTest.greedy(executor, c.promptIds(), logits, c.greedyIds().length);
      assertThat(generated).containsExactly(c.greedyIds());
    }
  }

  /**
   * A long prompt prefilled in chunks of 1, 3 and 7 tokens: the same last logits and continuation
   * as the pinned path's chunks.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void chunkedPrefillMatchesThePinnedPath(ReferenceCase c) throws Exception {
    Path dir = c.dir();
    int[] prompt = ChunkedPrefillTest.longPrompt(c);
    try (var a = pinned(dir);
        var b = bound(dir)) {
      int vocab = a.spec().vocabSize();
      for (int chunk : new int[] {1, 3, 7}) {
        float[][] last = new float[2][vocab];
        for (int from = 0; from < prompt.length; from += chunk) {
          int to = Math.min(prompt.length, from + chunk);
          a.prefillChunk(prompt, from, to, last[0]);
          b.prefillChunk(prompt, from, to, last[1]);
        }
        assertClose(last[1], last[0], "chunk " + chunk);
        assertThat(OnnxModelExecutorParityTest.greedy(b, prompt, last[1], 8))
            .containsExactly(OnnxModelExecutorParityTest.greedy(a, prompt, last[0], 8));
      }
    }
  }

  /**
   * Rows join (prefill + gather) and leave at different steps, with different lengths; every decode
   * step's logits of every row agree with the pinned path.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void continuousBatchStepsMatchThePinnedPath(Path model) throws Exception {
    try (var a = pinned(model);
        var b = bound(model)) {
      int vocab = a.spec().vocabSize();
      var rng = new SplittableRandom(7);
      var sides = List.of(new Side(a), new Side(b));
      int[] promptLengths = {5, 9, 2, 13, 7};
      int[][] prompts = new int[promptLengths.length][];
      for (int i = 0; i < prompts.length; i++) {
        prompts[i] = rng.ints(promptLengths[i], 3, Math.min(vocab, 500)).toArray();
      }
      int joined = 0;
      for (int step = 0; step < 24; step++) {
        // a new prompt joins every 4th step; the oldest row leaves at steps 10 and 17
        boolean join = step % 4 == 0 && joined < prompts.length;
        boolean leave = step == 10 || step == 17;
        for (Side s : sides) {
          if (join) {
            s.join(prompts[joined]);
          }
          if (leave) {
            s.leave(0);
          }
        }
        if (join) {
          assertClose(sides.get(1).joinLogits, sides.get(0).joinLogits, "prefill " + joined);
          joined++;
        }
        for (Side s : sides) {
          s.step();
        }
        for (int r = 0; r < sides.get(0).tokens.size(); r++) {
          assertClose(sides.get(1).logits[r], sides.get(0).logits[r], "step " + step + " row " + r);
          assertThat(sides.get(1).tokens.get(r)).isEqualTo(sides.get(0).tokens.get(r));
        }
      }
      assertThat(sides.get(1).executor.batchCache().rows()).isEqualTo(3);
    }
  }

  /**
   * The engine over the IoBinding executor, prompts prefilled in chunks of 4 tokens (whole on the
   * ORT GenAI model, see below): prompts joining a running batch at different steps give the tokens
   * each gives alone through the pinned path.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void engineOverIoBindingGivesThePinnedSoloTokens(Path model) throws Exception {
    int[][] prompts;
    if (java.nio.file.Files.isRegularFile(model.resolve("reference.json"))) {
      prompts = ContinuousBatchingTest.promptsOf(model);
    } else {
      var rng = new SplittableRandom(11);
      prompts = new int[][] {rng.ints(5, 3, 300).toArray(), {3, 4}, rng.ints(9, 3, 300).toArray()};
    }
    // the ORT GenAI graph cannot run a multi-token chunk on top of a past (its attention-mask
    // subgraph fails to Expand), on either path: it prefills whole prompts
    int chunk = model.getFileName().toString().startsWith("ortgenai") ? 0 : 4;
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
    var engine =
        new InferenceEngine(
            bound(model), new EngineSettings(8, 64, 1L << 30, chunk), EngineMetrics.NONE);
    try (engine) {
      engine.start();
      assertThat(engine.awaitReady(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      CollectingListener[] collectors = new CollectingListener[prompts.length];
      GenerationListener[] listeners = new GenerationListener[prompts.length];
      for (int i = prompts.length - 1; i >= 0; i--) {
        collectors[i] = new CollectingListener();
        int next = i + 1;
        listeners[i] =
            next == prompts.length
                ? collectors[i]
                : new ContinuousBatchingTest.ChainingListener(
                    collectors[i],
                    3,
                    () ->
                        engine.submit(
                            new GenerationRequest(
                                prompts[next],
                                ContinuousBatchingTest.greedy(maxNew[next]),
                                listeners[next])));
      }
      engine.submit(
          new GenerationRequest(
              prompts[0], ContinuousBatchingTest.greedy(maxNew[0]), listeners[0]));
      for (int i = 0; i < prompts.length; i++) {
        assertThat(collectors[i].await()).isEqualTo(FinishReason.LENGTH);
        assertThat(collectors[i].ids()).as("prompt %d", i).containsExactly(solo.get(i));
      }
    }
  }

  /**
   * Beam search re-packs rows of the batch cache into itself (beams changing parents) while a
   * greedy request shares the batch: the same beams and tokens as the pinned path.
   */
  @Test
  void beamSearchSharingTheBatchMatchesThePinnedPath() throws Exception {
    Path model = TestModels.stories260K();
    var beamParams =
        new org.llmplatform.inference.sampling.SamplingParams(
            0,
            0,
            1,
            0,
            1,
            0,
            0,
            java.util.Map.of(),
            null,
            java.util.Set.of(2),
            20,
            null,
            3,
            1.0,
            false);
    List<int[]> results = new ArrayList<>();
    for (boolean iobinding : new boolean[] {false, true}) {
      var engine =
          new InferenceEngine(
              iobinding ? bound(model) : pinned(model),
              new EngineSettings(8, 64, 1L << 30),
              EngineMetrics.NONE);
      try (engine) {
        engine.start();
        assertThat(engine.awaitReady(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        var beam = new CollectingListener();
        var other = new CollectingListener();
        engine.submit(
            new GenerationRequest(
                ContinuousBatchingTest.PROMPTS[0], ContinuousBatchingTest.greedy(30), other));
        engine.submit(new GenerationRequest(ContinuousBatchingTest.PROMPTS[1], beamParams, beam));
        beam.await();
        other.await();
        results.add(beam.ids());
        results.add(other.ids());
      }
    }
    assertThat(results.get(0)).isNotEmpty();
    assertThat(results.get(2)).containsExactly(results.get(0));
    assertThat(results.get(3)).containsExactly(results.get(1));
  }

  /**
   * Prefix reuse over IoBinding (finished sequences kept in spare bound caches, chunked prefill of
   * the rest): three turns of a conversation give the pinned path's tokens without reuse, and the
   * later turns hit the cache.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("org.llmplatform.inference.engine.ContinuousBatchingTest#models")
  void prefixReuseGivesThePinnedTokens(Path model) throws Exception {
    int[][] prompts = ContinuousBatchingTest.promptsOf(model);
    int[] first = prompts[0];
    int[] userTurn = prompts[prompts.length - 1];
    int[][] expected = new int[3][];
    try (var plain = PrefixReuseTest.engine(model, 0, 0, EngineMetrics.NONE)) {
      expected[0] = PrefixReuseTest.generate(plain, first, 6);
      int[] second = PrefixReuseTest.concat(first, expected[0], userTurn);
      expected[1] = PrefixReuseTest.generate(plain, second, 6);
      expected[2] =
          PrefixReuseTest.generate(plain, PrefixReuseTest.concat(second, expected[1], userTurn), 6);
    }
    var counts = new PrefixReuseTest.PrefixCounts();
    var engine =
        new InferenceEngine(
            bound(model), new EngineSettings(4, 64, 1L << 30, 3, 64L << 20), counts);
    try (engine) {
      engine.start();
      assertThat(engine.awaitReady(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      int[] reply1 = PrefixReuseTest.generate(engine, first, 6);
      int[] second = PrefixReuseTest.concat(first, reply1, userTurn);
      int[] reply2 = PrefixReuseTest.generate(engine, second, 6);
      int[] reply3 =
          PrefixReuseTest.generate(engine, PrefixReuseTest.concat(second, reply2, userTurn), 6);
      assertThat(new int[][] {reply1, reply2, reply3}).isDeepEqualTo(expected);
      assertThat(counts.hitTokens).hasValue((first.length + 5) + (second.length + 5));
    }
  }

  @Test
  void anUnknownNameFailsWithOnnxRuntimesMessage() throws Exception {
    Path model = TestModels.stories260K();
    try (var session = DecoderSession.open(model, RuntimeOptions.cpuDefaults());
        var binding = OrtIoBinding.create(session);
        var host = org.llmplatform.inference.runtime.OrtMemoryInfo.cpu();
        var arena = java.lang.foreign.Arena.ofConfined()) {
      var data = arena.allocate(8);
      assertThatThrownBy(
              () ->
                  binding.bindInput(
                      "no_such_input",
                      host,
                      data,
                      8,
                      OrtIoBinding.ElementType.INT64,
                      new long[] {1, 1}))
          .isInstanceOf(OrtException.class)
          .hasMessageContaining("BindInput(no_such_input)");
      assertThat(OrtIoBinding.runtimeBuildInfo()).containsIgnoringCase("git");
      // CreateMemoryInfo (the CUDA path's slot) only describes memory: it works without a GPU
      try (var cuda = org.llmplatform.inference.runtime.OrtMemoryInfo.cuda(0)) {
        assertThat(cuda.isHost()).isFalse();
      }
    }
  }

  static void assertClose(float[] actual, float[] expected, String what) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < actual.length; i++) {
      if (!(Math.abs(actual[i] - expected[i]) <= TOLERANCE)) {
        throw new AssertionError(
            what + ": logit " + i + " is " + actual[i] + ", pinned path " + expected[i]);
      }
    }
  }

  /** One executor's running batch: per row its next token, length and last logits. */
  static final class Side {
    final ModelExecutor executor;
    final List<Integer> tokens = new ArrayList<>();
    final List<Integer> lengths = new ArrayList<>();
    float[][] logits = new float[0][];
    float[] joinLogits;

    Side(ModelExecutor executor) {
      this.executor = executor;
    }

    void join(int[] prompt) throws Exception {
      joinLogits = new float[executor.spec().vocabSize()];
      executor.prefill(prompt, joinLogits);
      List<KvRow> layout = new ArrayList<>();
      for (int r = 0; r < tokens.size(); r++) {
        layout.add(new KvRow(executor.batchCache(), r, lengths.get(r)));
      }
      layout.add(new KvRow(executor.prefillCache(), 0, prompt.length));
      executor.batchCache().gather(layout);
      tokens.add(OnnxModelExecutorParityTest.argmax(joinLogits));
      lengths.add(prompt.length);
    }

    void leave(int row) {
      List<KvRow> layout = new ArrayList<>();
      for (int r = 0; r < tokens.size(); r++) {
        if (r != row) {
          layout.add(new KvRow(executor.batchCache(), r, lengths.get(r)));
        }
      }
      executor.batchCache().gather(layout);
      tokens.remove(row);
      lengths.remove(row);
    }

    void step() throws Exception {
      int rows = tokens.size();
      int[] t = tokens.stream().mapToInt(Integer::intValue).toArray();
      int[] len = lengths.stream().mapToInt(Integer::intValue).toArray();
      logits = new float[rows][executor.spec().vocabSize()];
      executor.decode(t, len, len, logits);
      for (int r = 0; r < rows; r++) {
        tokens.set(r, OnnxModelExecutorParityTest.argmax(logits[r]));
        lengths.set(r, lengths.get(r) + 1);
      }
    }
  }
}
