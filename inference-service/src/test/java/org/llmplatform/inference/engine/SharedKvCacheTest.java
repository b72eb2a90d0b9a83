package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.inference.sampling.TokenChoice;

/**
 * The KV cache updated in place against the one copied every step: test-models'
 * tiny-llama-gqa-shared-kv holds tiny-llama-gqa's weights, exported with ONNX Runtime's
 * GroupQueryAttention (one past/present buffer, right-padded rows), so every generation must give
 * the same tokens on both exports — here the re-packs the other tests do not reach: beams changing
 * parents (a gather that cannot run in place) while greedy requests join and leave the batch, over
 * pinned outputs and over IoBinding. (Reference ids, first-step logits, chunked prefill and prefix
 * reuse run on the fixture in the tests that cover every test-models fixture.)
 */
class SharedKvCacheTest {

  static final Path FIXTURES = Path.of(System.getProperty("llm.repo.dir", ".."), "test-models");
  static final Path SHARED = FIXTURES.resolve("tiny-llama-gqa-shared-kv");
  static final Path COPYING = FIXTURES.resolve("tiny-llama-gqa");

  @Test
  void configTellsTheEngineWhichExportUpdatesInPlace() throws Exception {
    try (var shared = DecoderSession.open(SHARED, RuntimeOptions.cpuDefaults());
        var copying = DecoderSession.open(COPYING, RuntimeOptions.cpuDefaults())) {
      assertThat(shared.spec().sharedKvBuffer()).isTrue();
      assertThat(copying.spec().sharedKvBuffer()).isFalse();
    }
  }

  @ParameterizedTest(name = "iobinding={0}")
  @ValueSource(booleans = {false, true})
  void beamsAndJoiningRequestsGiveTheTokensOfTheCopyingExport(boolean iobinding) throws Exception {
    List<int[]> copying = generate(COPYING, iobinding);
    List<int[]> shared = generate(SHARED, iobinding);
    for (int i = 0; i < copying.size(); i++) {
      assertThat(copying.get(i)).isNotEmpty();
      assertThat(shared.get(i)).as("request %d", i).containsExactly(copying.get(i));
    }
  }

  /**
   * A greedy request; after its 4th token a beam search (3 beams) joins, after its 10th a second
   * greedy request with another prompt. Their ids, in that order.
   */
  private static List<int[]> generate(Path model, boolean iobinding) throws Exception {
    List<int[]> prompts = new ArrayList<>();
    ReferenceCase.load(model).forEach(c -> prompts.add(c.promptIds()));
    var options = RuntimeOptions.cpuDefaults();
    ModelExecutor executor =
        iobinding
            ? new IoBindingModelExecutor(DecoderSession.open(model, options))
            : new OnnxModelExecutor(DecoderSession.open(model, options));
    var beams =
        new SamplingParams(0, 0, 1, 0, 1, 0, 0, Map.of(), null, Set.of(), 16, null, 3, 1.0, false);
    try (var engine =
        new InferenceEngine(executor, new EngineSettings(8, 64, 1L << 30), EngineMetrics.NONE)) {
      engine.start();
      assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
      var first = new CollectingListener();
      var beam = new CollectingListener();
      var last = new CollectingListener();
      var thenLast =
          new ContinuousBatchingTest.ChainingListener(
              first,
              10,
              () ->
                  engine.submit(
                      new GenerationRequest(
                          prompts.get(2), ContinuousBatchingTest.greedy(20), last)));
      var thenBeam =
          new GenerationListener() {
            @Override
            public void onToken(TokenChoice token) {
              thenLast.onToken(token);
              if (first.tokens.size() == 4) {
                engine.submit(new GenerationRequest(prompts.get(1), beams, beam));
              }
            }

            @Override
            public void onFinish(FinishReason reason, int prompt, int completion, String error) {
              thenLast.onFinish(reason, prompt, completion, error);
            }
          };
      engine.submit(
          new GenerationRequest(prompts.get(0), ContinuousBatchingTest.greedy(30), thenBeam));
      first.await();
      beam.await();
      last.await();
      return List.of(first.ids(), beam.ids(), last.ids());
    }
  }
}
