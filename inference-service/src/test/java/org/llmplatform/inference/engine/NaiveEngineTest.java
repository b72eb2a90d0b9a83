package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.inference.OutputConstraint;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.constraint.ConstraintProperties;
import org.llmplatform.inference.constraint.OutputConstraints;
import org.llmplatform.inference.naive.NaiveModelExecutor;
import org.llmplatform.inference.sampling.BeamSearch;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * The engine's scheduling on the naive executor, no ONNX Runtime: whatever joins, leaves, is
 * chunked, cancelled, beam-searched or constrained beside a request, its tokens are the ones
 * PyTorch gives for it alone (reference.json) or the engine gives for it alone, and the engine's
 * steps come in the order its iteration promises.
 */
class NaiveEngineTest {

  static final Path MODEL =
      Path.of(System.getProperty("llm.repo.dir", ".."), "test-models/tiny-llama-gqa");
  static final List<ReferenceCase> CASES = ReferenceCase.load(MODEL);

  static InferenceEngine engine(ModelExecutor executor, int maxBatch, int chunk) throws Exception {
    var engine =
        new InferenceEngine(
            executor, new EngineSettings(maxBatch, 64, 1L << 30, chunk, 0), EngineMetrics.NONE);
    if (executor instanceof StepLog log) {
      log.calls.clear(); // the engine's probe of chunked prefill
    }
    engine.start();
    assertThat(engine.awaitReady(30, TimeUnit.SECONDS)).isTrue();
    return engine;
  }

  /** The gauges are published after each step: true once they show no slot in use (5 s at most). */
  static boolean slotsFreed(InferenceEngine engine) throws InterruptedException {
    for (int i = 0; i < 5000 && engine.kvSlotsInUse() > 0; i++) {
      Thread.sleep(1);
    }
    return engine.kvSlotsInUse() == 0;
  }

  static SamplingParams greedy(int maxNew) {
    return SamplingParams.greedy(maxNew, Set.of());
  }

  @Test
  void requestsJoiningARunningBatchGiveTheReferenceTokens() throws Exception {
    try (var engine = engine(new StepLog(MODEL), 8, 0)) {
      List<CollectingListener> out = new ArrayList<>();
      for (ReferenceCase c : CASES) {
        var l = new CollectingListener();
        out.add(l);
        engine.submit(new GenerationRequest(c.promptIds(), greedy(c.greedyIds().length), l));
        Thread.sleep(5); // later ones join a batch already decoding
      }
      for (int i = 0; i < CASES.size(); i++) {
        assertThat(out.get(i).await()).isEqualTo(FinishReason.LENGTH);
        assertThat(out.get(i).ids()).as("case %d", i).containsExactly(CASES.get(i).greedyIds());
      }
      assertThat(slotsFreed(engine)).isTrue();
    }
  }

  @Test
  void aLongPromptIsPrefilledInChunksBetweenTheDecodeStepsOfARunningStream() throws Exception {
    var log = new StepLog(MODEL);
    try (var engine = engine(log, 8, 4)) {
      var stream = new CollectingListener();
      var late = new CollectingListener();
      ReferenceCase longest =
          CASES.stream().max((a, b) -> a.promptIds().length - b.promptIds().length).orElseThrow();
      int[] shortPrompt = {2};
      engine.submit(
          new GenerationRequest(
              shortPrompt,
              greedy(30),
              new ContinuousBatchingTest.ChainingListener(
                  stream,
                  3,
                  () ->
                      engine.submit(
                          new GenerationRequest(
                              longest.promptIds(), greedy(longest.greedyIds().length), late)))));
      assertThat(stream.await()).isEqualTo(FinishReason.LENGTH);
      assertThat(late.await()).isEqualTo(FinishReason.LENGTH);
      assertThat(late.ids()).containsExactly(longest.greedyIds());
      // from the long prompt's first chunk to its last: one chunk, then one decode step, each time
      List<String> calls = log.calls;
      int first = calls.indexOf("P 0-4");
      int chunks = (longest.promptIds().length + 3) / 4;
      for (int k = 0; k < chunks; k++) {
        int to = Math.min(longest.promptIds().length, 4 * k + 4);
        assertThat(calls.get(first + 2 * k)).isEqualTo("P " + 4 * k + "-" + to);
        assertThat(calls.get(first + 2 * k + 1)).isEqualTo(k + 1 < chunks ? "D 1" : "D 2");
      }
    }
  }

  @Test
  void anIdleEngineWaitsForWorkInsteadOfSpinning() throws Exception {
    try (var engine = engine(new StepLog(MODEL), 8, 4)) {
      var l = new CollectingListener();
      engine.submit(new GenerationRequest(CASES.get(1).promptIds(), greedy(5), l));
      l.await();
      assertThat(slotsFreed(engine)).isTrue();
      var threads = java.lang.management.ManagementFactory.getThreadMXBean();
      Thread loop =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> t.getName().equals("llm-engine"))
              .findFirst()
              .orElseThrow();
      long before = threads.getThreadCpuTime(loop.threadId());
      Thread.sleep(500);
      long cpuMs = (threads.getThreadCpuTime(loop.threadId()) - before) / 1_000_000;
      assertThat(cpuMs).as("engine thread CPU ms while idle for 500 ms").isLessThan(50);
    }
  }

  @Test
  void cancellingOneRequestEndsItWithinAStepAndTheOthersGoOn() throws Exception {
    try (var engine = engine(new StepLog(MODEL), 8, 0)) {
      ReferenceCase kept = CASES.get(1);
      var other = new CollectingListener();
      var cancelled = new CollectingListener();
      GenerationRequest[] victim = new GenerationRequest[1];
      victim[0] =
          new GenerationRequest(
              CASES.get(2).promptIds(),
              greedy(200),
              new ContinuousBatchingTest.ChainingListener(
                  cancelled, 4, () -> engine.cancel(victim[0])));
      engine.submit(victim[0]);
      engine.submit(
          new GenerationRequest(kept.promptIds(), greedy(kept.greedyIds().length), other));
      assertThat(cancelled.await()).isEqualTo(FinishReason.CANCELLED);
      assertThat(cancelled.tokens.size()).isBetween(4, 5);
      assertThat(victim[0].state()).isEqualTo(RequestState.CANCELLED);
      assertThat(other.await()).isEqualTo(FinishReason.LENGTH);
      assertThat(other.ids()).containsExactly(kept.greedyIds());
      assertThat(slotsFreed(engine)).isTrue();
    }
  }

  @Test
  void aRequestCancelledWhilePrefillingEndsWithoutATokenAndFreesItsSlot() throws Exception {
    var log = new StepLog(MODEL);
    try (var engine = engine(log, 8, 2)) {
      var stream = new CollectingListener();
      var cancelled = new CollectingListener();
      GenerationRequest[] victim = new GenerationRequest[1];
      victim[0] = new GenerationRequest(CASES.getLast().promptIds(), greedy(10), cancelled);
      // cancelled on the engine thread right after its first chunk ran, before its second: polling
      // from this thread raced the engine, which could finish the prompt and sample first
      log.afterCall =
          call -> {
            if (call.equals("P 0-2")) {
              engine.cancel(victim[0]);
            }
          };
      engine.submit(
          new GenerationRequest(
              new int[] {2},
              greedy(20),
              new ContinuousBatchingTest.ChainingListener(
                  stream,
                  2,
                  () -> {
                    engine.submit(victim[0]);
                  })));
      assertThat(cancelled.await()).isEqualTo(FinishReason.CANCELLED);
      assertThat(cancelled.tokens).isEmpty();
      assertThat(stream.await()).isEqualTo(FinishReason.LENGTH);
      assertThat(victim[0].state()).isEqualTo(RequestState.CANCELLED);
      assertThat(slotsFreed(engine)).isTrue();
    }
  }

  @Test
  void aBeamSearchSharingTheBatchGivesTheBeamsOfFullRecomputationAndChangesNoOther()
      throws Exception {
    var beamParams =
        new SamplingParams(0, 0, 1, 0, 1, 0, 0, Map.of(), null, Set.of(3), 12, null, 3, 1.0, false);
    int[] prompt = CASES.get(3).promptIds();
    try (var engine = engine(new StepLog(MODEL), 8, 0)) {
      ReferenceCase other = CASES.get(4);
      var greedy = new CollectingListener();
      var beam = new CollectingListener();
      engine.submit(
          new GenerationRequest(other.promptIds(), greedy(other.greedyIds().length), greedy));
      engine.submit(new GenerationRequest(prompt, beamParams, beam));
      beam.await();
      greedy.await();
      assertThat(beam.ids()).containsExactly(beamSearchByRecomputation(prompt, beamParams));
      assertThat(greedy.ids()).containsExactly(other.greedyIds());
    }
  }

  /** The beam search with each beam's logits from its whole sequence: no cache, no batch. */
  static int[] beamSearchByRecomputation(int[] prompt, SamplingParams p) throws Exception {
    var search =
        new BeamSearch(
            p.numBeams(), p.lengthPenalty(), p.earlyStopping(), p.stopTokenIds(), p.maxNewTokens());
    try (var naive = NaiveModelExecutor.open(MODEL)) {
      float[] logits = new float[naive.spec().vocabSize()];
      naive.prefill(prompt, logits);
      List<BeamSearch.Beam> beams = search.step(new float[][] {logits});
      while (!search.done()) {
        float[][] rows = new float[beams.size()][naive.spec().vocabSize()];
        for (int b = 0; b < beams.size(); b++) {
          int[] tokens = beams.get(b).tokens();
          int[] sequence = java.util.Arrays.copyOf(prompt, prompt.length + tokens.length);
          System.arraycopy(tokens, 0, sequence, prompt.length, tokens.length);
          naive.prefill(sequence, rows[b]);
        }
        beams = search.step(rows);
      }
    }
    return search.best().tokens();
  }

  @Test
  void greedyChoicesAreTheOneChoiceTokensFromOnePrefill() throws Exception {
    var log = new StepLog(MODEL);
    try (var engine = engine(log, 8, 0)) {
      ReferenceCase c = CASES.get(1);
      var listener = new ChoicesTest.ChoicesListener(3);
      engine.submit(
          new GenerationRequest(c.promptIds(), greedy(c.greedyIds().length), 3, listener));
      listener.await();
      for (int[] ids : listener.ids()) {
        assertThat(ids).containsExactly(c.greedyIds());
      }
      assertThat(log.calls.stream().filter(s -> s.startsWith("P"))).hasSize(1);
    }
  }

  @Test
  void aConstrainedRequestBesideAFreeOneMatchesItsPatternAndLeavesTheOtherAlone() throws Exception {
    try (var engine = engine(new StepLog(MODEL), 8, 0);
        var constraints =
            OutputConstraints.forModel(
                MODEL, engine.spec(), ConstraintProperties.defaults(), new SimpleMeterRegistry())) {
      var params = SamplingParams.greedy(40, Set.copyOf(engine.spec().eosIds()));
      var constraint =
          constraints
              .prepare(
                  new OutputConstraint("regex", null, "[0-9]{4}-[0-9]{2}-[0-9]{2}", null), params)
              .get();
      ReferenceCase free = CASES.get(2);
      var freeOut = new CollectingListener();
      var constrained = new CollectingListener();
      engine.submit(
          new GenerationRequest(free.promptIds(), greedy(free.greedyIds().length), freeOut));
      engine.submit(
          new GenerationRequest(CASES.get(0).promptIds(), params, 1, constrained, constraint));
      assertThat(constrained.await()).as(() -> constrained.error).isEqualTo(FinishReason.STOP);
      assertThat(text(constrained.ids())).matches("[0-9]{4}-[0-9]{2}-[0-9]{2}");
      assertThat(freeOut.await()).isEqualTo(FinishReason.LENGTH);
      assertThat(freeOut.ids()).containsExactly(free.greedyIds());
    }
  }

  private static String text(int[] ids) throws Exception {
    Vocabulary vocabulary = Vocabulary.fromTokenizerJson(MODEL.resolve("tokenizer.json"));
    var out = new ByteArrayOutputStream();
    for (int id : ids) {
      byte[] b = vocabulary.bytes(id);
      if (b != null) {
        out.writeBytes(b);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
