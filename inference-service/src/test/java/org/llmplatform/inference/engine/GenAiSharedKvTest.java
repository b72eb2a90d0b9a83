package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.TestModels;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * ONNX Runtime GenAI's GroupQueryAttention decoders, served as their genai_config.json says ({@code
 * search.past_present_share_buffer}): one past/present buffer updated in place, rows right-padded.
 * test-models' tiny-llama-gqa-genai-shared-kv is laid out as GenAI's model builder makes them (the
 * graph derives seqlens_k and total_sequence_length from the attention mask; rotary inside the
 * attention, no position_ids); tiny-llama-gqa-genai-row-lengths takes seqlens_k and
 * total_sequence_length as inputs instead of a mask. Both hold tiny-llama-gqa's weights, and their
 * reference.json comes from model-tools' PyTorch Llama, one prompt at a time with no padding.
 */
class GenAiSharedKvTest {

  static final Path FIXTURES = Path.of(System.getProperty("llm.repo.dir", ".."), "test-models");
  static final Path MASK = FIXTURES.resolve("tiny-llama-gqa-genai-shared-kv");
  static final Path ROW_LENGTHS = FIXTURES.resolve("tiny-llama-gqa-genai-row-lengths");

  static Stream<Arguments> modelsAndExecutors() {
    return Stream.of(MASK, ROW_LENGTHS)
        .flatMap(m -> Stream.of(Arguments.of(m, false), Arguments.of(m, true)));
  }

  @Test
  void genAiConfigSaysWhichGraphUpdatesItsCacheInPlaceAndWhatItTakes() throws Exception {
    try (var mask = DecoderSession.open(MASK, RuntimeOptions.cpuDefaults());
        var lengths = DecoderSession.open(ROW_LENGTHS, RuntimeOptions.cpuDefaults())) {
      assertThat(mask.spec().sharedKvBuffer()).isTrue();
      assertThat(mask.spec().names().attentionMask()).isEqualTo("attention_mask");
      assertThat(mask.spec().names().positionIds()).isNull(); // rotary inside the attention
      assertThat(mask.spec().names().rowLengths()).isNull();
      assertThat(lengths.spec().sharedKvBuffer()).isTrue();
      assertThat(lengths.spec().names().attentionMask()).isNull();
      assertThat(lengths.spec().names().rowLengths().seqlensK()).isEqualTo("seqlens_k");
      assertThat(lengths.spec().names().rowLengths().totalSequenceLength())
          .isEqualTo("total_sequence_length");
      assertThat(lengths.spec().names().rowLengths().scalarTotal()).isTrue();
    }
  }

  /**
   * Every reference prompt (1 to 17 tokens) alone; then all of them at once, prefilled in chunks of
   * 3 between decode steps into one batch of right-padded rows, for 10 tokens; then, all at once
   * again, each prompt followed by those 10 ids (the next turn of a conversation), whose prefix
   * comes from the cache of finished sequences. Each gives its reference ids.
   */
  @ParameterizedTest(name = "{0} iobinding={1}")
  @MethodSource("modelsAndExecutors")
  void batchedRowsOfDifferentLengthsGiveTheirSoloAndReferenceIds(Path model, boolean iobinding)
      throws Exception {
    List<ReferenceCase> cases = ReferenceCase.load(model);
    try (var solo = engine(model, iobinding, new EngineSettings(1, 64, 1L << 30))) {
      for (ReferenceCase c : cases) {
        assertThat(PrefixReuseTest.generate(solo, c.promptIds(), c.greedyIds().length))
            .as("%s alone", c)
            .containsExactly(c.greedyIds());
      }
    }
    int first = 10;
    var hits = new PrefixReuseTest.PrefixCounts();
    try (var batched =
        engine(model, iobinding, new EngineSettings(8, 64, 1L << 30, 3, 1L << 24), hits)) {
      List<int[]> prompts = new ArrayList<>();
      List<int[]> expected = new ArrayList<>();
      for (ReferenceCase c : cases) {
        prompts.add(c.promptIds());
        expected.add(Arrays.copyOf(c.greedyIds(), first));
      }
      assertBatchGives(batched, prompts, expected);
      prompts.clear();
      expected.clear();
      for (ReferenceCase c : cases) {
        int[] ids = c.greedyIds();
        prompts.add(PrefixReuseTest.concat(c.promptIds(), Arrays.copyOf(ids, first)));
        expected.add(Arrays.copyOfRange(ids, first, ids.length));
      }
      assertBatchGives(batched, prompts, expected);
    }
    assertThat(hits.hitTokens.get())
        .as("prompt tokens taken from the prefix cache")
        .isEqualTo(cases.stream().mapToInt(c -> c.promptIds().length + first - 1).sum());
  }

  /** Submits every prompt at once; each gives its expected ids. */
  private static void assertBatchGives(
      InferenceEngine engine, List<int[]> prompts, List<int[]> expected) throws Exception {
    List<CollectingListener> listeners = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      var l = new CollectingListener();
      listeners.add(l);
      engine.submit(
          new GenerationRequest(
              prompts.get(i), ContinuousBatchingTest.greedy(expected.get(i).length), l));
    }
    for (int i = 0; i < prompts.size(); i++) {
      assertThat(listeners.get(i).await()).isEqualTo(FinishReason.LENGTH);
      assertThat(listeners.get(i).ids()).as("prompt %d", i).containsExactly(expected.get(i));
    }
  }

  /**
   * Why the flag matters: the same builder-made graph with {@code past_present_share_buffer: false}
   * loads (nothing in its inputs tells), but the engine then left-pads rows in a cache it copies,
   * which GroupQueryAttention reads as right-padded, and a short row batched with a longer one goes
   * wrong.
   */
  @Test
  void withoutTheFlagABatchedShortRowLosesItsReferenceIds(@TempDir Path tmp) throws Exception {
    Path copy = tmp.resolve("genai-no-share");
    Files.createDirectories(copy);
    Files.copy(MASK.resolve("model.onnx"), copy.resolve("model.onnx"));
    Files.writeString(
        copy.resolve("genai_config.json"),
        Files.readString(MASK.resolve("genai_config.json"))
            .replace(
                "\"past_present_share_buffer\": true", "\"past_present_share_buffer\": false"));
    List<ReferenceCase> cases = ReferenceCase.load(MASK);
    ReferenceCase shortest = cases.get(0);
    ReferenceCase longest = cases.get(cases.size() - 1);
    assertThat(shortest.promptIds().length).isLessThan(longest.promptIds().length);
    try (var engine = engine(copy, false, new EngineSettings(8, 64, 1L << 30))) {
      var first = new CollectingListener();
      var second = new CollectingListener();
      int n = shortest.greedyIds().length;
      engine.submit(
          new GenerationRequest(longest.promptIds(), ContinuousBatchingTest.greedy(n), first));
      engine.submit(
          new GenerationRequest(shortest.promptIds(), ContinuousBatchingTest.greedy(n), second));
      first.await();
      second.await();
      assertThat(second.ids()).isNotEqualTo(shortest.greedyIds());
    }
  }

  /**
   * The flag on a graph that concatenates past and new into a longer present (the ORT GenAI fp16
   * model in ../shared, MultiHeadAttention): nothing in its inputs tells, but the warm-up step
   * fails and its log says what the flag needs.
   */
  @Test
  @ExtendWith(OutputCaptureExtension.class)
  void theFlagOnAGraphWhosePresentGrowsFailsTheWarmUpNamingIt(
      @TempDir Path tmp, CapturedOutput output) throws Exception {
    Path source = TestModels.shared("ortgenai-tiny-llama-fp16");
    for (String file : List.of("model.onnx", "model.onnx.data")) {
      Files.copy(source.resolve(file), tmp.resolve(file));
    }
    Files.writeString(
        tmp.resolve("genai_config.json"),
        Files.readString(source.resolve("genai_config.json"))
            .replaceFirst("\\{", "{\"search\": {\"past_present_share_buffer\": true},"));
    var executor = new OnnxModelExecutor(DecoderSession.open(tmp, RuntimeOptions.cpuDefaults()));
    assertThat(executor.spec().sharedKvBuffer()).isTrue();
    try (var engine =
        new InferenceEngine(executor, new EngineSettings(4, 8, 1L << 28), EngineMetrics.NONE)) {
      engine.start();
      assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isFalse();
    }
    assertThat(output.getAll())
        .contains("Warm-up failed")
        .contains("declares past_present_share_buffer")
        .contains("GroupQueryAttention");
  }

  private static InferenceEngine engine(Path model, boolean iobinding, EngineSettings settings)
      throws Exception {
    return engine(model, iobinding, settings, EngineMetrics.NONE);
  }

  private static InferenceEngine engine(
      Path model, boolean iobinding, EngineSettings settings, EngineMetrics metrics)
      throws Exception {
    var session = DecoderSession.open(model, RuntimeOptions.cpuDefaults());
    ModelExecutor executor =
        iobinding ? new IoBindingModelExecutor(session) : new OnnxModelExecutor(session);
    var engine = new InferenceEngine(executor, settings, metrics);
    engine.start();
    assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
    return engine;
  }

  private static int[] generate(InferenceEngine engine, int[] prompt, int maxNew) throws Exception {
    return PrefixReuseTest.generate(engine, prompt, maxNew);
  }
}
