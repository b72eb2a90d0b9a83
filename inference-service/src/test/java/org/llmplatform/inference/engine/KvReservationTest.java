package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;

/**
 * The left-padded KV caches are reserved at warm-up for every slot's whole context, so no step
 * allocates: on test-models' tiny-llama-mha (copying export, context 512), requests join a batch of
 * 3 slots, leave it and decode to past lengths hundreds of times what the warm-up held, with no
 * block allocated after the engine is ready (prefix cache off: it keeps finished rows in blocks of
 * their own). Fresh blocks are NaN ({@link PoisonedKvMemory}); their tokens are each request's solo
 * tokens.
 */
class KvReservationTest {

  static final Path MODEL =
      Path.of(System.getProperty("llm.repo.dir", ".."), "test-models", "tiny-llama-mha");
  static final int[][] PROMPTS = ContinuousBatchingTest.promptsOf(MODEL);
  static final int[] MAX_NEW = {300, 120, 200, 260, 90};

  @ParameterizedTest(name = "iobinding={0}")
  @ValueSource(booleans = {false, true})
  void noStepAllocatesAfterTheWarmUpReservation(boolean iobinding) throws Exception {
    List<int[]> solo = new ArrayList<>();
    for (int i = 0; i < PROMPTS.length; i++) {
      try (var engine = engine(iobinding, 1, PoisonedKvMemory.create())) {
        solo.add(generate(engine, List.of(i)).getFirst());
      }
    }
    var memory = PoisonedKvMemory.create();
    try (var engine = engine(iobinding, 3, memory)) {
      int reserved = memory.allocations();
      List<int[]> batched = generate(engine, List.of(0, 1, 2, 3, 4));
      assertThat(memory.allocations()).as("blocks allocated while serving").isEqualTo(reserved);
      for (int i = 0; i < PROMPTS.length; i++) {
        assertThat(batched.get(i)).as("request %d", i).containsExactly(solo.get(i));
      }
    }
  }

  private static InferenceEngine engine(boolean iobinding, int slots, PoisonedKvMemory memory)
      throws Exception {
    var session = DecoderSession.open(MODEL, RuntimeOptions.cpuDefaults());
    ModelExecutor executor =
        iobinding
            ? new IoBindingModelExecutor(session, memory)
            : new OnnxModelExecutor(session, memory);
    var engine =
        new InferenceEngine(
            executor, new EngineSettings(slots, 64, 1L << 30, 16, 0), EngineMetrics.NONE);
    engine.start();
    assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
    return engine;
  }

  /** Submits the requests {@code which} at once; their ids, in that order. */
  private static List<int[]> generate(InferenceEngine engine, List<Integer> which)
      throws Exception {
    List<CollectingListener> listeners = new ArrayList<>();
    for (int i : which) {
      var l = new CollectingListener();
      listeners.add(l);
      engine.submit(
          new GenerationRequest(PROMPTS[i], ContinuousBatchingTest.greedy(MAX_NEW[i]), l));
    }
    List<int[]> ids = new ArrayList<>();
    for (int k = 0; k < which.size(); k++) {
      listeners.get(k).await();
      assertThat(listeners.get(k).ids()).hasSize(MAX_NEW[which.get(k)]);
      ids.add(listeners.get(k).ids());
    }
    return ids;
  }
}
