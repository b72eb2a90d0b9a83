package org.llmplatform.inference.constraint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.inference.OutputConstraint;
import org.llmplatform.inference.sampling.InvalidParameterException;
import org.llmplatform.inference.scheduler.OverloadedException;
import org.llmplatform.structured.grammar.Grammar;
import org.llmplatform.structured.vocab.Vocabulary;

/** The compile path a client's constraint takes: limits, cache, refusals as 400s naming a field. */
class GrammarCompilerTest {

  static final Vocabulary VOCABULARY =
      Vocabulary.of(new byte[][] {null, "a".getBytes(), "{".getBytes(), "}".getBytes()}, 0);

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final ConstraintMetrics metrics = ConstraintMetrics.register(registry);
  GrammarCompiler compiler =
      compiler(new ConstraintProperties(2, 4096, Duration.ofSeconds(1), 1, 2, 1));

  @AfterEach
  void close() {
    compiler.close();
  }

  GrammarCompiler compiler(ConstraintProperties p) {
    if (compiler != null) {
      compiler.close();
    }
    return new GrammarCompiler(VOCABULARY, p, metrics);
  }

  static InvalidParameterException refusal(CompletableFuture<Grammar> f) throws Exception {
    try {
      f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(InvalidParameterException.class);
      return (InvalidParameterException) e.getCause();
    }
    throw new AssertionError("compiled");
  }

  @Test
  void aCompiledGrammarIsTakenFromTheCacheAndTheLeastRecentlyUsedGoes() throws Exception {
    Grammar g = compiler.compile(OutputConstraint.jsonObject()).get();
    assertThat(compiler.compile(OutputConstraint.jsonObject()).get()).isSameAs(g);
    assertThat(metrics.cacheHits().count()).isEqualTo(1);
    compiler.compile(OutputConstraint.jsonSchema("{\"type\":\"integer\"}")).get();
    compiler.compile(OutputConstraint.jsonSchema("{\"type\":\"string\"}")).get();
    assertThat(compiler.compile(OutputConstraint.jsonObject()).get()).isNotSameAs(g);
    assertThat(metrics.cacheMisses().count()).isEqualTo(4);
  }

  @Test
  void anUnsupportedKeywordIsRefusedNamingIt() throws Exception {
    var e =
        refusal(
            compiler.compile(
                OutputConstraint.jsonSchema(
                    "{\"type\":\"object\",\"patternProperties\":{\"^a\":{}}}")));
    assertThat(e.param()).isEqualTo("constraint.schema");
    assertThat(e.getMessage()).contains("patternProperties");
    assertThat(
            refusal(compiler.compile(new OutputConstraint("regex", null, "(?=a)b", null))).param())
        .isEqualTo("constraint.pattern");
    assertThat(refusal(compiler.compile(OutputConstraint.jsonSchema("{not json"))).param())
        .isEqualTo("constraint.schema");
    assertThat(refusal(compiler.compile(OutputConstraint.jsonSchema("false"))).getMessage())
        .contains("no output can match");
  }

  @Test
  void aConstraintOverTheSizeLimitIsRefusedBeforeCompiling() {
    String big = "{\"enum\":[" + "\"x\",".repeat(2000) + "\"y\"]}";
    assertThatThrownBy(() -> compiler.compile(OutputConstraint.jsonSchema(big)))
        .isInstanceOf(InvalidParameterException.class)
        .hasMessageContaining("the limit is 4096");
  }

  /** Each level's allOf names the next one twice: merged, 2^40 branches. */
  static String exponentialAllOf(int levels) {
    StringBuilder defs = new StringBuilder();
    for (int i = 0; i < levels; i++) {
      defs.append(
          "\"d%d\":{\"allOf\":[{\"$ref\":\"#/$defs/d%d\"},{\"$ref\":\"#/$defs/d%d\"}]},"
              .formatted(i, i + 1, i + 1));
    }
    defs.append(
        "\"d%d\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}"
            .formatted(levels));
    return "{\"$ref\":\"#/$defs/d0\",\"$defs\":{" + defs + "}}";
  }

  @Test
  void hostileSchemasAreRefusedInBoundedTime() throws Exception {
    compiler = compiler(new ConstraintProperties(2, 1 << 20, Duration.ofSeconds(5), 1, 8, 1));
    for (String hostile :
        new String[] {
          exponentialAllOf(40),
          distributedAnyOf(30),
          "{\"$ref\":\"#\"}",
          "{\"items\":".repeat(1500) + "{}" + "}".repeat(1500),
        }) {
      long start = System.nanoTime();
      var e = refusal(compiler.compile(OutputConstraint.jsonSchema(hostile)));
      assertThat(e.param()).isEqualTo("constraint.schema");
      assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
    }
    // long, but a schema: 3,000 references in a chain compile
    assertThat(compiler.compile(OutputConstraint.jsonSchema(refChain(3000))).get()).isNotNull();
  }

  @Test
  void aCompileThatOverrunsTheTimeoutIsRefusedAtTheTimeout() throws Exception {
    compiler = compiler(new ConstraintProperties(2, 1 << 20, Duration.ofMillis(50), 1, 8, 1));
    long start = System.nanoTime();
    var e = refusal(compiler.compile(slowRegex(200)));
    assertThat(e.param()).isEqualTo("constraint.pattern");
    assertThat(e.getMessage()).isEqualTo("the constraint did not compile within 50 ms");
    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(1000));
  }

  @Test
  void aCompilePastTheTimeoutIsStoppedAndFreesItsThreadForTheNext() throws Exception {
    // one compile thread: a slow constraint that kept running would time out every one behind it
    compiler = compiler(new ConstraintProperties(2, 1 << 20, Duration.ofMillis(200), 1, 8, 1));
    // builds its automaton for 1-3 s before it would be refused as too large
    var slow = compiler.compile(slowRegex(1000));

    assertThat(refusal(slow).getMessage()).contains("did not compile within 200 ms");
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
    while (compileThreadBusy() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(compileThreadBusy()).as("the slow compile was stopped at its timeout").isFalse();
  }

  /** Whether a compile thread is running (not parked waiting for work). */
  private static boolean compileThreadBusy() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(
            t ->
                t.getName().startsWith("llm-grammar-")
                    && t.isAlive()
                    && t.getState() == Thread.State.RUNNABLE);
  }

  @Test
  void aFullCompileQueueIsOverloaded() {
    compiler = compiler(new ConstraintProperties(8, 1 << 20, Duration.ofSeconds(5), 1, 2, 1));
    for (int n = 200; n < 203; n++) { // one compiling, two waiting
      compiler.compile(slowRegex(n));
    }
    assertThatThrownBy(() -> compiler.compile(slowRegex(203)))
        .isInstanceOf(OverloadedException.class);
  }

  /** Grows its automaton to the state limit, which takes most of a second: then it is refused. */
  static OutputConstraint slowRegex(int n) {
    return new OutputConstraint("regex", null, "(\\w+\\s?){1,%d}x".formatted(n), null);
  }

  /** allOf of n anyOfs of two objects each: distributed, 2^n alternatives. */
  static String distributedAnyOf(int n) {
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < n; i++) {
      all.append(
          (i > 0 ? "," : "")
              + "{\"anyOf\":[{\"type\":\"object\",\"properties\":{\"a%d\":{\"type\":\"string\"}}},"
                  .formatted(i)
              + "{\"type\":\"object\",\"properties\":{\"b%d\":{\"type\":\"integer\"}}}]}"
                  .formatted(i));
    }
    return "{\"allOf\":[" + all + "]}";
  }

  static String refChain(int n) {
    StringBuilder defs = new StringBuilder();
    for (int i = 0; i < n; i++) {
      defs.append("\"d%d\":{\"$ref\":\"#/$defs/d%d\"},".formatted(i, i + 1));
    }
    defs.append("\"d%d\":{\"type\":\"string\"}".formatted(n));
    return "{\"$ref\":\"#/$defs/d0\",\"$defs\":{" + defs + "}}";
  }
}
