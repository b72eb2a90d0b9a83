package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmplatform.inference.TestModels;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.inference.sampling.TokenChoice;

/**
 * N prompts of different lengths joining one running batch at different steps give their solo
 * tokens.
 */
class ContinuousBatchingTest {

  static final int[][] PROMPTS = {
    {1, 291, 276, 286, 261, 268, 414, 422},
    {1, 403, 407, 261, 1, 300},
    {1, 365, 302, 261, 370, 268, 414, 444, 373, 267, 422, 419, 426},
    {1, 270},
    {1, 419, 426, 346, 381, 261, 370},
  };
  static final int[] MAX_NEW = {30, 18, 25, 40, 12};

  static InferenceEngine engine(Path model, int maxBatch) throws Exception {
    var executor = new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults()));
    var engine =
        new InferenceEngine(
            executor, new EngineSettings(maxBatch, 64, 1L << 30), EngineMetrics.NONE);
    engine.start();
    assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
    return engine;
  }

  static SamplingParams greedy(int maxNew) {
    return SamplingParams.greedy(maxNew, Set.of());
  }

  static java.util.stream.Stream<Path> models() {
    return TestModels.withReference().stream();
  }

  /**
   * The reference models, and ONNX Runtime GenAI's layout (contrib attention, fp16) when present.
   */
  static java.util.stream.Stream<Path> modelsAndGenAiLayout() {
    List<Path> models = new ArrayList<>(TestModels.withReference());
    TestModels.addSharedIfPresent(models, "ortgenai-tiny-llama-fp16");
    return models.stream();
  }

  /**
   * Reference prompts of the model and their shorter prefixes: different lengths, all in the
   * vocabulary.
   */
  static int[][] promptsOf(Path model) {
    if (!java.nio.file.Files.exists(model.resolve("reference.json"))) {
      return PROMPTS;
    }
    List<int[]> out = new ArrayList<>();
    for (var c : org.llmplatform.inference.ReferenceCase.load(model)) {
      out.add(c.promptIds());
      out.add(java.util.Arrays.copyOf(c.promptIds(), Math.max(1, c.promptIds().length / 3)));
    }
    return out.subList(0, Math.min(5, out.size())).toArray(int[][]::new);
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("modelsAndGenAiLayout")
  void promptsJoiningAtDifferentStepsGiveTheirSoloTokens(Path model) throws Exception {
    int[][] prompts = promptsOf(model);
    List<int[]> solo = new ArrayList<>();
    try (var engine = engine(model, 1)) {
      for (int i = 0; i < prompts.length; i++) {
        var l = new CollectingListener();
        engine.submit(new GenerationRequest(prompts[i], greedy(MAX_NEW[i]), l));
        assertThat(l.await()).isEqualTo(FinishReason.LENGTH);
        solo.add(l.ids());
      }
    }
    try (var engine = engine(model, 8)) {
      CollectingListener[] collectors = new CollectingListener[prompts.length];
      GenerationListener[] listeners = new GenerationListener[prompts.length];
      // request i+1 is submitted when request i emits its 3rd token: each joins a running batch
      // later
      for (int i = prompts.length - 1; i >= 0; i--) {
        collectors[i] = new CollectingListener();
        int next = i + 1;
        listeners[i] =
            next == prompts.length
                ? collectors[i]
                : new ChainingListener(
                    collectors[i],
                    3,
                    () ->
                        engine.submit(
                            new GenerationRequest(
                                prompts[next], greedy(MAX_NEW[next]), listeners[next])));
      }
      engine.submit(new GenerationRequest(prompts[0], greedy(MAX_NEW[0]), listeners[0]));
      for (int i = 0; i < prompts.length; i++) {
        assertThat(collectors[i].await()).isEqualTo(FinishReason.LENGTH);
        assertThat(collectors[i].ids()).as("prompt %d", i).containsExactly(solo.get(i));
      }
    }
  }

  static SamplingParams seeded(long seed, int maxNew) {
    return new SamplingParams(
        0.9,
        40,
        0.95,
        0.02,
        1.1,
        0.1,
        0.1,
        java.util.Map.of(),
        seed,
        Set.of(),
        maxNew,
        5,
        1,
        1,
        false);
  }

  @Test
  void seededSamplingGivesTheSameTokensAloneAndBatched() throws Exception {
    Path model = TestModels.stories260K();
    int[] alone;
    try (var engine = engine(model, 1)) {
      var l = new CollectingListener();
      engine.submit(new GenerationRequest(PROMPTS[2], seeded(1234, 30), l));
      l.await();
      alone = l.ids();
    }
    try (var engine = engine(model, 8)) {
      List<CollectingListener> others = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        var o = new CollectingListener();
        others.add(o);
        engine.submit(new GenerationRequest(PROMPTS[i], seeded(99 + i, 30), o));
      }
      var l = new CollectingListener();
      engine.submit(new GenerationRequest(PROMPTS[2], seeded(1234, 30), l));
      l.await();
      for (var o : others) {
        o.await();
      }
      assertThat(l.ids()).containsExactly(alone);
      assertThat(l.tokens.getFirst().top()).hasSize(5);
      assertThat(l.tokens.getFirst().logprob()).isLessThanOrEqualTo(0.0);
    }
  }

  @Test
  void beamSearchRequestSharesTheBatchWithoutChangingOthers() throws Exception {
    Path model = TestModels.stories260K();
    try (var engine = engine(model, 8)) {
      var greedyAlone = new CollectingListener();
      engine.submit(new GenerationRequest(PROMPTS[0], greedy(MAX_NEW[0]), greedyAlone));
      greedyAlone.await();
      var beamAlone = new CollectingListener();
      var beamParams =
          new SamplingParams(
              0, 0, 1, 0, 1, 0, 0, java.util.Map.of(), null, Set.of(2), 20, null, 3, 1.0, false);
      engine.submit(new GenerationRequest(PROMPTS[1], beamParams, beamAlone));
      beamAlone.await();

      var beam = new CollectingListener();
      var other = new CollectingListener();
      engine.submit(new GenerationRequest(PROMPTS[0], greedy(MAX_NEW[0]), other));
      engine.submit(new GenerationRequest(PROMPTS[1], beamParams, beam));
      beam.await();
      other.await();
      assertThat(other.ids()).containsExactly(greedyAlone.ids());
      assertThat(beam.ids()).containsExactly(beamAlone.ids());
      assertThat(beam.ids().length).isBetween(1, 20);
    }
  }

  @Test
  void cancellingARunningRequestFreesItsSlotAndOthersGoOn() throws Exception {
    Path model = TestModels.stories260K();
    try (var engine = engine(model, 4)) {
      var other = new CollectingListener();
      var cancelled = new CollectingListener();
      GenerationRequest[] holder = new GenerationRequest[1];
      var cancelling = new ChainingListener(cancelled, 5, () -> engine.cancel(holder[0]));
      holder[0] = new GenerationRequest(PROMPTS[3], greedy(400), cancelling);
      engine.submit(holder[0]);
      engine.submit(new GenerationRequest(PROMPTS[0], greedy(MAX_NEW[0]), other));
      assertThat(cancelled.await()).isEqualTo(FinishReason.CANCELLED);
      // the engine notices the flag at the next update: one more token at most
      assertThat(cancelled.tokens.size()).isBetween(5, 6);
      assertThat(holder[0].state()).isEqualTo(RequestState.CANCELLED);
      assertThat(other.await()).isEqualTo(FinishReason.LENGTH);
      assertThat(other.ids()).hasSize(MAX_NEW[0]);
    }
  }

  /** Forwards to a collector and runs an action once, after the n-th token. */
  record ChainingListener(CollectingListener target, int afterTokens, Runnable action)
      implements GenerationListener {
    @Override
    public void onToken(TokenChoice token) {
      target.onToken(token);
      if (target.tokens.size() == afterTokens) {
        action.run();
      }
    }

    @Override
    public void onFinish(
        FinishReason reason, int promptTokens, int completionTokens, String error) {
      target.onFinish(reason, promptTokens, completionTokens, error);
    }
  }
}
