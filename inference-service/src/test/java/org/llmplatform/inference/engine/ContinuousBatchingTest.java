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

  @Test
  void promptsJoiningAtDifferentStepsGiveTheirSoloTokens() throws Exception {
    Path model = TestModels.stories260K();
    List<int[]> solo = new ArrayList<>();
    try (var engine = engine(model, 1)) {
      for (int i = 0; i < PROMPTS.length; i++) {
        var l = new CollectingListener();
        engine.submit(new GenerationRequest(PROMPTS[i], greedy(MAX_NEW[i]), l));
        assertThat(l.await()).isEqualTo(FinishReason.LENGTH);
        solo.add(l.ids());
      }
    }
    try (var engine = engine(model, 8)) {
      CollectingListener[] collectors = new CollectingListener[PROMPTS.length];
      GenerationListener[] listeners = new GenerationListener[PROMPTS.length];
      // request i+1 is submitted when request i emits its 3rd token: each joins a running batch
      // later
      for (int i = PROMPTS.length - 1; i >= 0; i--) {
        collectors[i] = new CollectingListener();
        int next = i + 1;
        listeners[i] =
            next == PROMPTS.length
                ? collectors[i]
                : new ChainingListener(
                    collectors[i],
                    3,
                    () ->
                        engine.submit(
                            new GenerationRequest(
                                PROMPTS[next], greedy(MAX_NEW[next]), listeners[next])));
      }
      engine.submit(new GenerationRequest(PROMPTS[0], greedy(MAX_NEW[0]), listeners[0]));
      for (int i = 0; i < PROMPTS.length; i++) {
        assertThat(collectors[i].await()).isEqualTo(FinishReason.LENGTH);
        assertThat(collectors[i].ids()).as("prompt %d", i).containsExactly(solo.get(i));
      }
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
