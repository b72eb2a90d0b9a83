package org.llmplatform.structured.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmplatform.structured.automaton.AutomatonTooLargeException;
import org.llmplatform.structured.grammar.Grammar;
import org.llmplatform.structured.regex.RegexUnsupportedException;
import org.llmplatform.structured.vocab.Vocabulary;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.exc.JsonNodeException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fuzzes the schema compiler with random schemas, valid and not: every keyword it knows, nested and
 * combined, with values of the wrong type, contradictions and unsupported regexes. Each schema
 * either compiles or is refused with one of the refusals inference-service turns into a 400 ({@link
 * UnsupportedSchemaException}, {@link RegexUnsupportedException}, {@link
 * AutomatonTooLargeException}, {@link IllegalArgumentException}) within 20 s; any other exception
 * is a crash. A schema that compiles is then decoded at random (any token the mask allows, on a
 * vocabulary of every byte plus JSON pieces): the decoder never meets a dead end, and a finished
 * output parses and validates against the schema with networknt's validator.
 *
 * <p>Budget: {@code -Dfuzz.runs=N} schemas (default 150 in a normal test run), from {@code
 * -Dfuzz.seed} (default 0, so that CI is repeatable). A failing input is written to {@code
 * target/fuzz-found/schema-compiler/}; keep it as a regression case by moving it to {@code
 * src/test/resources/fuzz/schema-compiler/}, which every run replays first.
 */
class SchemaCompilerFuzzTest {

  // numbers as BigDecimal: JSON has no range, and 1312E310 read as a double is infinite (no type)
  private static final JsonMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final SchemaRegistry VALIDATORS =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private static final Vocabulary VOCABULARY =
      ToolCallGrammarTest.vocabulary(
          "{\"", "\":", "\",\"", "\"}", "[", "]", ",", "true", "false", "null", "0", "1", "12", "-",
          ".5", "e3", "\"a\"", "\"b\"", "ab", " ", "\\\"", "\\u00e9", "é", "{}", "[]");
  private static final String FOUND = "fuzz/schema-compiler";

  private static final String[] NAMES = {"a", "b", "name", "x y", "é", "\"q", "", "$ref"};
  // \d \w \s are left out: the engine reads them as Python's re does (Unicode, for MaskBench),
  // networknt as ECMA-262 and Java do (ASCII): a difference of dialect, not of enforcement
  private static final String[] PATTERNS = {
    "^[a-z]+$",
    "a|b",
    "[0-9]{2,3}",
    "(",
    "[^\"]*",
    ".*",
    "^$",
    "\\p{L}+",
    "(?=a)b",
    "a{2,1}",
    "[z-a]",
    "^(ab)*$",
    "[a-z_]+@[a-z]+",
    "[\\u0000-\\u001f]"
  };
  private static final String[] FORMATS = {
    "date",
    "date-time",
    "time",
    "email",
    "uuid",
    "ipv4",
    "ipv6",
    "uri",
    "hostname",
    "duration",
    "no-such-format"
  };

  @Test
  void randomSchemasCompileOrAreRefusedAndWhatTheyLetThroughValidates() throws IOException {
    int runs = Integer.getInteger("fuzz.runs", 150);
    long base = Long.getLong("fuzz.seed", 0);
    int compiled = 0;
    int validated = 0;
    for (long seed = base; seed < base + runs; seed++) {
      JsonNode schema = new Generator(new Random(seed)).root();
      try {
        int outputs = check(schema, seed);
        compiled += outputs >= 0 ? 1 : 0;
        validated += Math.max(0, outputs);
      } catch (Throwable failure) {
        Path kept = keep(schema, seed);
        throw new AssertionError(
            "schema of seed " + seed + " (kept in " + kept + "): " + schema, failure);
      }
    }
    // the generator keeps finding both sides: schemas that compile, and outputs that validate
    assertThat(compiled).as("schemas compiled of %d", runs).isGreaterThan(runs / 5);
    assertThat(validated).as("finished outputs validated").isGreaterThan(runs / 5);
  }

  @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
  @MethodSource("regressions")
  void foundInputsStayFixed(String name, JsonNode found) {
    check(found.get("schema"), found.get("seed").asLong());
  }

  static Stream<Object[]> regressions() throws IOException, URISyntaxException {
    var url = SchemaCompilerFuzzTest.class.getClassLoader().getResource(FOUND);
    if (url == null) {
      return Stream.empty();
    }
    var cases = new ArrayList<Object[]>();
    try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
      for (Path file : files.sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          cases.add(new Object[] {file.getFileName().toString(), JSON.readTree(in)});
        }
      }
    }
    return cases.stream();
  }

  /** Outputs validated, or -1 when the schema was refused. */
  private static int check(JsonNode schema, long seed) {
    Grammar grammar =
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> compileOrNull(schema));
    if (grammar == null || grammar.isEmpty()) {
      return -1; // refused: inference-service answers 400 naming the schema
    }
    Schema validator;
    try {
      validator = VALIDATORS.getSchema(schema);
    } catch (SchemaException malformed) {
      return 0; // compiled though malformed where it did not matter (e.g. inside a "not" of another
      // type): nothing to validate its outputs with
    }
    int validated = 0;
    for (long walk = 0; walk < 3; walk++) {
      RandomDecoder decoder =
          new RandomDecoder(grammar.matcher(VOCABULARY), VOCABULARY, seed + walk);
      if (!decoder.run(0.3, 4000, () -> false)) {
        continue; // not finished within the steps: nothing to validate
      }
      JsonNode instance;
      try {
        instance = JSON.readTree(decoder.text());
      } catch (NumberFormatException beyondBigDecimal) {
        continue; // valid JSON (numbers have no range) with an exponent past BigDecimal's scale
      }
      List<?> errors;
      try {
        errors = validator.validate(instance);
      } catch (StackOverflowError selfReference) {
        continue; // networknt recurses forever on a $defs entry that refers to itself
      } catch (JsonNodeException hugeNumber) {
        continue; // networknt converts a bound's operand to a long: 5.3E+90178 is out of range
      }
      assertThat(errors).as("output %s of schema %s", decoder.text(), schema).isEmpty();
      validated++;
    }
    return validated;
  }

  /** The grammar, or null for a refusal a client gets as a 400; anything else propagates. */
  private static Grammar compileOrNull(JsonNode schema) {
    try {
      return SchemaCompiler.compile(schema.toString());
    } catch (UnsupportedSchemaException
        | RegexUnsupportedException
        | AutomatonTooLargeException
        | IllegalArgumentException refused) {
      return null;
    }
  }

  private static Path keep(JsonNode schema, long seed) throws IOException {
    Path dir = Path.of("target", "fuzz-found", "schema-compiler");
    Files.createDirectories(dir);
    ObjectNode found = NODES.objectNode();
    found.put("seed", seed);
    found.set("schema", schema);
    Path file = dir.resolve("seed-" + seed + ".json");
    Files.writeString(file, found.toString());
    return file;
  }

  /** Random schemas: mostly well-formed, sometimes wrong in type or contradictory. */
  private static final class Generator {
    private final Random r;
    private boolean defs;

    Generator(Random r) {
      this.r = r;
    }

    JsonNode root() {
      JsonNode root = schema(0);
      if (defs && root instanceof ObjectNode o) {
        ObjectNode d = NODES.objectNode();
        d.set("d", r.nextInt(4) == 0 ? recursive() : schema(2));
        o.set("$defs", d);
      }
      return root;
    }

    /** A schema that refers to itself: a list of itself. */
    private JsonNode recursive() {
      ObjectNode s = NODES.objectNode();
      s.put("type", "array");
      s.set("items", NODES.objectNode().put("$ref", "#/$defs/d"));
      s.put("maxItems", 2);
      return s;
    }

    JsonNode schema(int depth) {
      if (depth > 0 && r.nextInt(12) == 0) {
        return NODES.booleanNode(r.nextBoolean());
      }
      ObjectNode s = NODES.objectNode();
      String type = pick("object", "array", "string", "number", "integer", "boolean", "null", "");
      if (!type.isEmpty()) {
        s.set("type", r.nextInt(8) == 0 ? typeList() : NODES.stringNode(type));
      }
      switch (type) {
        case "object" -> object(s, depth);
        case "array" -> array(s, depth);
        case "string" -> string(s);
        case "number", "integer" -> number(s);
        default -> {}
      }
      int extras = r.nextInt(3);
      for (int i = 0; i < extras; i++) {
        general(s, depth);
      }
      return s;
    }

    private JsonNode typeList() {
      ArrayNode types = NODES.arrayNode();
      types.add(pick("object", "string", "number", "null"));
      types.add(pick("integer", "boolean", "array", "strin"));
      return types;
    }

    private void object(ObjectNode s, int depth) {
      ObjectNode props = NODES.objectNode();
      List<String> names = new ArrayList<>();
      int n = depth < 3 ? r.nextInt(4) : 0;
      for (int i = 0; i < n; i++) {
        String name = NAMES[r.nextInt(NAMES.length)];
        names.add(name);
        props.set(name, schema(depth + 1));
      }
      if (n > 0 || r.nextBoolean()) {
        s.set("properties", props);
      }
      if (r.nextBoolean()) {
        ArrayNode required = NODES.arrayNode();
        for (String name : names) {
          if (r.nextBoolean()) {
            required.add(name);
          }
        }
        if (r.nextInt(6) == 0) {
          required.add("missing");
        }
        s.set("required", required);
      }
      switch (r.nextInt(5)) {
        case 0 -> s.put("additionalProperties", false);
        case 1 -> s.put("additionalProperties", true);
        case 2 -> {
          if (depth < 3) {
            s.set("additionalProperties", schema(depth + 1));
          }
        }
        default -> {}
      }
      if (r.nextInt(6) == 0) {
        s.put("minProperties", r.nextInt(3));
      }
      if (r.nextInt(6) == 0) {
        s.put("maxProperties", r.nextInt(3));
      }
      if (r.nextInt(10) == 0) {
        s.set("patternProperties", NODES.objectNode().set("^x", schema(3)));
      }
      if (r.nextInt(10) == 0) {
        s.set("propertyNames", NODES.objectNode().put("pattern", "^[a-z]+$"));
      }
    }

    private void array(ObjectNode s, int depth) {
      if (depth < 3 && r.nextInt(4) != 0) {
        s.set("items", schema(depth + 1));
      }
      if (depth < 3 && r.nextInt(5) == 0) {
        ArrayNode prefix = NODES.arrayNode();
        prefix.add(schema(depth + 1));
        s.set("prefixItems", prefix);
      }
      if (r.nextBoolean()) {
        s.put("minItems", r.nextInt(4) - (r.nextInt(10) == 0 ? 2 : 0));
      }
      if (r.nextBoolean()) {
        s.put("maxItems", r.nextInt(4));
      }
      if (r.nextInt(6) == 0) {
        s.put("uniqueItems", r.nextBoolean());
      }
      if (r.nextInt(8) == 0) {
        s.set("contains", schema(3));
      }
    }

    private void string(ObjectNode s) {
      if (r.nextBoolean()) {
        s.put("minLength", r.nextInt(5));
      }
      if (r.nextBoolean()) {
        s.put("maxLength", r.nextInt(6));
      }
      if (r.nextInt(3) == 0) {
        s.put("pattern", PATTERNS[r.nextInt(PATTERNS.length)]);
      }
      if (r.nextInt(4) == 0) {
        s.put("format", FORMATS[r.nextInt(FORMATS.length)]);
      }
      if (r.nextInt(10) == 0) {
        s.put("minLength", "3"); // the wrong JSON type
      }
    }

    private void number(ObjectNode s) {
      if (r.nextBoolean()) {
        s.set("minimum", bound());
      }
      if (r.nextBoolean()) {
        s.set("maximum", bound());
      }
      if (r.nextInt(4) == 0) {
        s.set(r.nextBoolean() ? "exclusiveMinimum" : "exclusiveMaximum", bound());
      }
      if (r.nextInt(5) == 0) {
        s.set(
            "multipleOf",
            pickNode(NODES.numberNode(3), NODES.numberNode(0.5), NODES.numberNode(0)));
      }
    }

    private JsonNode bound() {
      return switch (r.nextInt(5)) {
        case 0 -> NODES.numberNode(r.nextInt(200) - 100);
        case 1 -> NODES.numberNode(new java.math.BigDecimal("0.25"));
        case 2 -> NODES.numberNode(new java.math.BigDecimal("-1e3"));
        case 3 -> NODES.numberNode(r.nextInt(10));
        default -> NODES.stringNode("7");
      };
    }

    private void general(ObjectNode s, int depth) {
      switch (r.nextInt(9)) {
        case 0 -> s.set("enum", values());
        case 1 -> s.set("const", values().get(0));
        case 2, 3 -> {
          if (depth < 3) {
            ArrayNode parts = NODES.arrayNode();
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
              parts.add(schema(depth + 1));
            }
            s.set(pick("anyOf", "oneOf", "allOf"), parts);
          }
        }
        case 4 -> {
          defs = true;
          s.put("$ref", r.nextInt(8) == 0 ? "#/$defs/none" : "#/$defs/d");
        }
        case 5 -> s.set("not", depth < 3 ? schema(3) : NODES.objectNode());
        case 6 -> {
          s.set("if", NODES.objectNode().put("type", "string"));
          s.set("then", NODES.objectNode().put("minLength", 1));
        }
        case 7 -> s.put("description", "ignored \"text\"");
        default -> s.put("x-unknown", 1);
      }
    }

    private ArrayNode values() {
      ArrayNode values = NODES.arrayNode();
      int n = 1 + r.nextInt(3);
      for (int i = 0; i < n; i++) {
        values.add(
            pickNode(
                NODES.stringNode("a"),
                NODES.stringNode("é\"\\"),
                NODES.numberNode(1),
                NODES.numberNode(new java.math.BigDecimal("2.50")),
                NODES.booleanNode(true),
                NODES.nullNode(),
                NODES.objectNode().put("k", 1),
                NODES.arrayNode().add(1)));
      }
      return values;
    }

    private String pick(String... options) {
      return options[r.nextInt(options.length)];
    }

    private JsonNode pickNode(JsonNode... options) {
      return options[r.nextInt(options.length)];
    }
  }
}
