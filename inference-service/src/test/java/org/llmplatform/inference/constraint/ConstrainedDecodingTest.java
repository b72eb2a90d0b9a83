package org.llmplatform.inference.constraint;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmplatform.api.inference.OutputConstraint;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.TestModels;
import org.llmplatform.inference.engine.EngineMetrics;
import org.llmplatform.inference.engine.EngineSettings;
import org.llmplatform.inference.engine.FinishReason;
import org.llmplatform.inference.engine.GenerationListener;
import org.llmplatform.inference.engine.GenerationRequest;
import org.llmplatform.inference.engine.InferenceEngine;
import org.llmplatform.inference.engine.OnnxModelExecutor;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.inference.sampling.TokenChoice;
import org.llmplatform.structured.vocab.Vocabulary;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Constrained decoding in the engine on the real stories260K model (a trained base model that knows
 * nothing of JSON): outputs match their constraint and end with stop where the grammar is complete;
 * the engine's pipelined masks give the ids of a naive loop that masks synchronously.
 */
class ConstrainedDecodingTest {

  static final String PERSON =
      """
      {"type":"object","properties":{
        "name":{"type":"string","maxLength":12},
        "age":{"type":"integer","minimum":0,"maximum":120}},
       "required":["name","age"],"additionalProperties":false}""";
  static final JsonMapper JSON = JsonMapper.builder().build();

  static Path model;
  static InferenceEngine engine;
  static OutputConstraints constraints;
  static SimpleMeterRegistry registry;
  static Vocabulary vocabulary;
  static int[] prompt;

  @BeforeAll
  static void start() throws Exception {
    model = TestModels.stories260K();
    engine =
        new InferenceEngine(
            new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults())),
            new EngineSettings(8, 64, 1L << 30, 64, 0),
            EngineMetrics.NONE);
    engine.start();
    assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
    registry = new SimpleMeterRegistry();
    constraints =
        OutputConstraints.forModel(model, engine.spec(), ConstraintProperties.defaults(), registry);
    vocabulary = Vocabulary.fromTokenizerJson(model.resolve("tokenizer.json"));
    prompt = ReferenceCase.load(model).getFirst().promptIds();
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.close();
      constraints.close();
    }
  }

  static SamplingParams greedy(int maxNew) {
    return SamplingParams.greedy(maxNew, Set.copyOf(engine.spec().eosIds()));
  }

  static SamplingParams sampled(int maxNew, long seed) {
    return new SamplingParams(
        1.0,
        0,
        1.0,
        0,
        1,
        0,
        0,
        Map.of(),
        seed,
        Set.copyOf(engine.spec().eosIds()),
        maxNew,
        null,
        1,
        1,
        false);
  }

  static Collected run(OutputConstraint c, SamplingParams params) throws Exception {
    var out = new Collected();
    RequestConstraint rc = c == null ? null : constraints.prepare(c, params).get();
    engine.submit(new GenerationRequest(prompt, params, 1, out, rc));
    return out;
  }

  static JsonNode person(Collected out) throws Exception {
    assertThat(out.await())
        .as(() -> out.error + ": " + out.text(vocabulary) + " " + Arrays.toString(out.ids()))
        .isEqualTo(FinishReason.STOP);
    String text = out.text(vocabulary);
    JsonNode json = JSON.readTree(text);
    assertThat(json.isObject()).as(text).isTrue();
    assertThat(json.propertyNames()).as(text).containsExactlyInAnyOrder("name", "age");
    assertThat(json.get("name").isString()).as(text).isTrue();
    assertThat(json.get("name").asString().codePointCount(0, json.get("name").asString().length()))
        .isLessThanOrEqualTo(12);
    assertThat(json.get("age").isIntegralNumber()).as(text).isTrue();
    assertThat(json.get("age").asInt()).isBetween(0, 120);
    return json;
  }

  @Test
  void greedyOutputMatchesTheSchemaAndEndsWithStop() throws Exception {
    person(run(OutputConstraint.jsonSchema(PERSON), greedy(450)));
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void sampledOutputsMatchTheSchema(long seed) throws Exception {
    person(run(OutputConstraint.jsonSchema(PERSON), sampled(450, seed)));
  }

  @Test
  void jsonObjectGivesAnObject() throws Exception {
    Collected out = run(OutputConstraint.jsonObject(), greedy(60));
    FinishReason finish = out.await();
    String text = out.text(vocabulary);
    if (finish == FinishReason.STOP) {
      assertThat(JSON.readTree(text).isObject()).as(text).isTrue();
    } else {
      assertThat(finish).isEqualTo(FinishReason.LENGTH);
      assertThat(text.stripLeading()).startsWith("{");
      assertThat(out.ids()).hasSize(60);
    }
  }

  @Test
  void regexAndChoiceOutputsMatch() throws Exception {
    Collected date =
        run(new OutputConstraint("regex", null, "[0-9]{4}-[0-9]{2}-[0-9]{2}", null), greedy(40));
    assertThat(date.await()).isEqualTo(FinishReason.STOP);
    assertThat(date.text(vocabulary)).matches("[0-9]{4}-[0-9]{2}-[0-9]{2}");
    List<String> animals = List.of("a cat", "a dog", "a little bird");
    Collected choice =
        run(new OutputConstraint("choice", null, null, new ArrayList<>(animals)), greedy(40));
    assertThat(choice.await()).isEqualTo(FinishReason.STOP);
    assertThat(animals).contains(choice.text(vocabulary));
  }

  @Test
  void maxNewTokensCutsWithLength() throws Exception {
    Collected out = run(OutputConstraint.jsonSchema(PERSON), greedy(3));
    assertThat(out.await()).isEqualTo(FinishReason.LENGTH);
    assertThat(out.ids()).hasSize(3);
  }

  @Test
  void forcedTokensAreAppendedWithoutSamplingAndCounted() throws Exception {
    double before = registry.counter("llm.constraint.fast_forward_tokens").count();
    String schema =
        """
        {"type":"object","properties":{"kind":{"const":"a long constant value"},
         "size":{"enum":["small","large"]}},"required":["kind","size"],
         "additionalProperties":false}""";
    Collected out = run(OutputConstraint.jsonSchema(schema), greedy(450));
    assertThat(out.await()).isEqualTo(FinishReason.STOP);
    JsonNode json = JSON.readTree(out.text(vocabulary));
    assertThat(json.get("kind").asString()).isEqualTo("a long constant value");
    assertThat(json.get("size").asString()).isIn("small", "large");
    double forced = registry.counter("llm.constraint.fast_forward_tokens").count() - before;
    assertThat(forced).isGreaterThanOrEqualTo(5);
    // a forced token reports log-probability 0 when logprobs are asked: it was the only one allowed
  }

  @Test
  void logprobsComeFromTheMaskedDistribution() throws Exception {
    SamplingParams params =
        new SamplingParams(
            0,
            0,
            1,
            0,
            1,
            0,
            0,
            Map.of(),
            null,
            Set.copyOf(engine.spec().eosIds()),
            30,
            5,
            1,
            1,
            false);
    Collected out =
        run(
            new OutputConstraint("choice", null, null, new ArrayList<>(List.of("yes", "no"))),
            params);
    assertThat(out.await()).isEqualTo(FinishReason.STOP);
    for (var t : out.tokens) {
      assertThat(t.logprob()).isLessThanOrEqualTo(0.0).isGreaterThan(Double.NEGATIVE_INFINITY);
      // only allowed tokens are alternatives, none at -inf
      assertThat(t.top()).allMatch(a -> Double.isFinite(a.logprob()));
      double mass = t.top().stream().mapToDouble(a -> Math.exp(a.logprob())).sum();
      assertThat(mass).isLessThanOrEqualTo(1.0 + 1e-6);
    }
    // the first token is "y..." or "n...": the masked distribution puts all its mass on those
    var first = out.tokens.getFirst();
    double mass = first.top().stream().mapToDouble(a -> Math.exp(a.logprob())).sum();
    assertThat(mass).isGreaterThan(0.999);
  }

  /** A request of n choices: each follows the grammar on its own Matcher. */
  @Test
  void eachOfNChoicesFollowsTheGrammarOnItsOwn() throws Exception {
    int n = 3;
    List<Collected> choices = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      choices.add(new Collected());
    }
    GenerationListener byChoice =
        new GenerationListener() {
          @Override
          public void onToken(TokenChoice token) {
            throw new AssertionError("every event names its choice");
          }

          @Override
          public void onFinish(
              FinishReason reason, int promptTokens, int completionTokens, String error) {
            throw new AssertionError("every event names its choice");
          }

          @Override
          public void onToken(int choice, TokenChoice token) {
            choices.get(choice).onToken(token);
          }

          @Override
          public void onFinish(
              int choice,
              FinishReason reason,
              int promptTokens,
              int completionTokens,
              String error) {
            choices.get(choice).onFinish(reason, promptTokens, completionTokens, error);
          }
        };
    SamplingParams params = sampled(450, 21);
    engine.submit(
        new GenerationRequest(
            prompt,
            params,
            n,
            byChoice,
            constraints.prepare(OutputConstraint.jsonSchema(PERSON), params).get()));
    Set<String> texts = new java.util.HashSet<>();
    for (Collected c : choices) {
      person(c);
      texts.add(c.text(vocabulary));
    }
    assertThat(texts).hasSizeGreaterThan(1); // seeds seed + i: different samples
  }

  /**
   * Unconstrained requests decoding in one batch with constrained ones get the ids they get alone.
   */
  @Test
  void unconstrainedRequestsInAMixedBatchGetTheirSoloIds() throws Exception {
    List<int[]> solo = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Collected alone = run(null, greedy(40 + 5 * i));
      alone.await();
      solo.add(alone.ids());
    }
    List<Collected> free = new ArrayList<>();
    List<Collected> guided = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      guided.add(run(OutputConstraint.jsonSchema(PERSON), sampled(450, 10 + i)));
      free.add(run(null, greedy(40 + 5 * i)));
    }
    for (int i = 0; i < 3; i++) {
      free.get(i).await();
      assertThat(free.get(i).ids()).isEqualTo(solo.get(i));
      person(guided.get(i));
    }
  }

  /**
   * The engine (masks computed on workers a step ahead, forced tokens fed one per step) against a
   * naive loop on the same model: the whole sequence recomputed each step, the mask computed right
   * there, argmax, commit, fast-forward.
   */
  @Test
  void pipelinedMasksGiveTheIdsOfANaiveLoop() throws Exception {
    String schema = PERSON.replace("\"maxLength\":12", "\"maxLength\":6");
    Collected out = run(OutputConstraint.jsonSchema(schema), greedy(450));
    out.await();
    assertThat(out.ids()).isEqualTo(naive(schema, 450));
  }

  private static int[] naive(String schema, int maxNew) throws Exception {
    var grammar = org.llmplatform.structured.schema.SchemaCompiler.compile(schema);
    Vocabulary vocab = ModelVocabulary.load(model, engine.spec());
    var matcher = grammar.matcher(vocab);
    List<Integer> eos = engine.spec().eosIds();
    List<Integer> out = new ArrayList<>();
    List<Integer> forced = new ArrayList<>();
    for (int f : matcher.fastForward()) {
      forced.add(f);
    }
    try (var executor =
        new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults()))) {
      float[] logits = new float[engine.spec().vocabSize()];
      int[] seq = prompt.clone();
      while (out.size() < maxNew) {
        int token;
        if (!forced.isEmpty()) {
          token = forced.removeFirst();
        } else {
          executor.prefill(seq, logits);
          long[] mask = new long[matcher.maskWords()];
          matcher.fillMask(mask);
          for (int e : eos) {
            boolean allowed = matcher.isAccepting();
            mask[e >>> 6] = allowed ? mask[e >>> 6] | 1L << e : mask[e >>> 6] & ~(1L << e);
          }
          token = -1;
          for (int t = 0; t < logits.length; t++) {
            if ((mask[t >>> 6] & 1L << t) != 0 && (token < 0 || logits[t] > logits[token])) {
              token = t;
            }
          }
          if (!eos.contains(token)) {
            assertThat(matcher.commit(token))
                .as("token %d %s after %s", token, Arrays.toString(vocab.bytes(token)), out)
                .isTrue();
            for (int f : matcher.fastForward()) {
              forced.add(f);
            }
          }
        }
        out.add(token);
        if (eos.contains(token)) {
          break;
        }
        seq = Arrays.copyOf(seq, seq.length + 1);
        seq[seq.length - 1] = token;
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
