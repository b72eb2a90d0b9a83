package org.llmplatform.inference.constraint;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.inference.OutputConstraint;
import org.llmplatform.api.inference.OutputConstraint.ToolCalls;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.TestModels;
import org.llmplatform.inference.engine.EngineMetrics;
import org.llmplatform.inference.engine.EngineSettings;
import org.llmplatform.inference.engine.FinishReason;
import org.llmplatform.inference.engine.GenerationRequest;
import org.llmplatform.inference.engine.InferenceEngine;
import org.llmplatform.inference.engine.OnnxModelExecutor;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.structured.vocab.Vocabulary;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tool calls generated under the grammar by stories260K, a base model that never saw a tool: with
 * calls required, every output is calls in the family's format whose JSON validates against the
 * call schema (networknt's validator) and ends with stop; lazily, free text until the opener, then
 * a valid call.
 */
class ToolCallDecodingTest {

  /** The gateway's call schema for two tools (hermes: name and arguments), bounded strings. */
  static final String CALLS =
      """
      {"anyOf":[
        {"type":"object","properties":{"name":{"const":"get_weather"},
          "arguments":{"type":"object","properties":{"city":{"type":"string","maxLength":10},
            "unit":{"enum":["celsius","fahrenheit"]}},"required":["city"],
           "additionalProperties":false}},
         "required":["name","arguments"],"additionalProperties":false},
        {"type":"object","properties":{"name":{"const":"add"},
          "arguments":{"type":"object","properties":{
            "a":{"type":"integer","minimum":-1000,"maximum":1000},
            "b":{"type":"integer","minimum":-1000,"maximum":1000}},
           "required":["a","b"],"additionalProperties":false}},
         "required":["name","arguments"],"additionalProperties":false}]}""";

  static final String OPEN = "<tool_call>\n";
  static final String CLOSE = "\n</tool_call>";
  static final Schema SCHEMA =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(CALLS);
  static final JsonMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  static InferenceEngine engine;
  static OutputConstraints constraints;
  static Vocabulary vocabulary;
  static ReferenceCase reference;

  @BeforeAll
  static void start() throws Exception {
    Path model = TestModels.stories260K();
    engine =
        new InferenceEngine(
            new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults())),
            new EngineSettings(16, 128, 1L << 30, 64, 0),
            EngineMetrics.NONE);
    engine.start();
    assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
    constraints =
        OutputConstraints.forModel(
            model, engine.spec(), ConstraintProperties.defaults(), new SimpleMeterRegistry());
    vocabulary = Vocabulary.fromTokenizerJson(model.resolve("tokenizer.json"));
    reference = ReferenceCase.load(model).getFirst();
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.close();
      constraints.close();
    }
  }

  static OutputConstraint toolCalls(String opener, String closer, boolean required, boolean par) {
    return new OutputConstraint(
        OutputConstraint.TOOL_CALLS,
        null,
        null,
        null,
        new ToolCalls(CALLS, opener, closer, required, par));
  }

  static SamplingParams sampled(long seed, int maxNew) {
    return sampled(seed, maxNew, Map.of());
  }

  static SamplingParams sampled(long seed, int maxNew, Map<Integer, Double> logitBias) {
    return new SamplingParams(
        1.0,
        0,
        1.0,
        0,
        1,
        0,
        0,
        logitBias,
        seed,
        Set.copyOf(engine.spec().eosIds()),
        maxNew,
        null,
        1,
        1,
        false);
  }

  /** Submits one request per seed at once; their outputs in seed order. */
  static List<Collected> run(OutputConstraint c, int requests, int maxNew) throws Exception {
    return run(c, requests, maxNew, Map.of());
  }

  static List<Collected> run(
      OutputConstraint c, int requests, int maxNew, Map<Integer, Double> logitBias)
      throws Exception {
    List<Collected> out = new ArrayList<>();
    for (int seed = 0; seed < requests; seed++) {
      SamplingParams params = sampled(seed, maxNew, logitBias);
      Collected collected = new Collected();
      engine.submit(
          new GenerationRequest(
              reference.promptIds(), params, 1, collected, constraints.prepare(c, params).get()));
      out.add(collected);
    }
    return out;
  }

  @Test
  void aHundredRequiredCallsAllParseAndValidateAndEndWithStop() throws Exception {
    List<Collected> outputs = run(toolCalls(OPEN, CLOSE, true, false), 100, 500);
    Set<String> texts = new HashSet<>();
    int valid = 0;
    for (Collected out : outputs) {
      FinishReason finish = out.await();
      String text = out.text(vocabulary);
      assertThat(finish).as("%s: %s", out.error, text).isEqualTo(FinishReason.STOP);
      List<JsonNode> calls = calls(text);
      assertThat(calls).as(text).hasSize(1);
      assertValid(calls.getFirst(), text);
      valid++;
      texts.add(text);
    }
    assertThat(valid).isEqualTo(100);
    assertThat(texts).as("seeds give different calls").hasSizeGreaterThan(50);
  }

  /**
   * Parallel calls: after each call the model ends or writes another (stories260K goes on until
   * max_new_tokens cuts a call): every call before the cut is valid.
   */
  @Test
  void parallelCallsAreEachValid() throws Exception {
    int several = 0;
    for (Collected out : run(toolCalls(OPEN, CLOSE, true, true), 12, 300)) {
      FinishReason finish = out.await();
      String text = out.text(vocabulary);
      String whole = finish == FinishReason.STOP ? text : text.substring(0, cutCall(text));
      List<JsonNode> calls = calls(whole);
      assertThat(calls).as(text).isNotEmpty();
      calls.forEach(c -> assertValid(c, text));
      several += calls.size() > 1 ? 1 : 0;
    }
    assertThat(several).as("outputs of more than one call").isPositive();
  }

  /** Where the call that max_new_tokens cut starts (the text before it is whole calls). */
  private static int cutCall(String text) {
    int cut = text.lastIndexOf("\n" + OPEN);
    return cut < 0 ? 0 : cut;
  }

  /**
   * Lazily, the call starts where the model writes the opener. stories260K writes " the" in most
   * sentences: with it as the opener, free story text, then a call, then text without " the".
   * Tokens holding " the" and more (" there", " they") are allowed only where the more is JSON.
   */
  @Test
  void lazyCallsStartAtTheOpenerTheModelWrites() throws Exception {
    String opener = " the";
    int triggered = 0;
    for (Collected out : run(toolCalls(opener, "\n", false, false), 12, 500)) {
      FinishReason finish = out.await();
      String text = out.text(vocabulary);
      int at = text.indexOf(opener);
      if (at < 0) {
        continue;
      }
      triggered++;
      int end = callEnd(text, at + opener.length(), "\n");
      if (end < 0) {
        assertThat(finish).as(text).isEqualTo(FinishReason.LENGTH); // cut inside the call
        continue;
      }
      assertThat(text.indexOf(opener, end)).as("one call only: %s", text).isNegative();
    }
    assertThat(triggered).as("stories260K writes \" the\"").isGreaterThan(6);
  }

  /** Until the model writes the opener, a lazy grammar lets it write what it would anyway. */
  @Test
  void aLazyGrammarThatIsNotTriggeredLeavesGreedyOutputAlone() throws Exception {
    SamplingParams greedy =
        SamplingParams.greedy(reference.greedyIds().length, Set.copyOf(engine.spec().eosIds()));
    Collected out = new Collected();
    engine.submit(
        new GenerationRequest(
            reference.promptIds(),
            greedy,
            1,
            out,
            constraints.prepare(toolCalls(OPEN, CLOSE, false, true), greedy).get()));
    out.await();
    assertThat(out.ids()).isEqualTo(reference.greedyIds());
  }

  /** The calls of an output: calls only (required), or the call after each opener. */
  private static List<JsonNode> calls(String text) {
    List<JsonNode> calls = new ArrayList<>();
    int at = 0;
    while (at < text.length()) {
      assertThat(text.startsWith(OPEN, at)).as("opener at %d: %s", at, text).isTrue();
      JsonNode[] call = new JsonNode[1];
      int end = callEnd(text, at + OPEN.length(), CLOSE, call);
      assertThat(end).as("call then closer: %s", text).isPositive();
      calls.add(call[0]);
      at = end;
      if (at < text.length()) {
        assertThat(text.charAt(at)).as("newline between calls: %s", text).isEqualTo('\n');
        at++;
      }
    }
    return calls;
  }

  private static int callEnd(String text, int json, String closer) {
    JsonNode[] call = new JsonNode[1];
    int end = callEnd(text, json, closer, call);
    if (end >= 0) {
      assertValid(call[0], text);
    }
    return end;
  }

  /** Reads the JSON value at {@code json} and the closer after it: the index after, or -1. */
  private static int callEnd(String text, int json, String closer, JsonNode[] call) {
    String rest = text.substring(json);
    try (JsonParser p = JSON.createParser(rest)) {
      call[0] = JSON.readTree(p);
      int end = json + (int) p.currentLocation().getCharOffset();
      return call[0] != null && text.startsWith(closer, end) ? end + closer.length() : -1;
    } catch (tools.jackson.core.JacksonException e) {
      return -1;
    }
  }

  private static void assertValid(JsonNode call, String output) {
    assertThat(SCHEMA.validate(call)).as("%s in %s", call, output).isEmpty();
  }
}
