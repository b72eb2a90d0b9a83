package org.llmplatform.structured.schema;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmplatform.structured.automaton.AutomatonTooLargeException;
import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.automaton.Nfa;
import org.llmplatform.structured.grammar.Grammar;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Compiles a JSON Schema to a {@link Grammar} over the bytes of its JSON instances. Each schema
 * becomes a rule; strings, numbers and literals become lexical rules shared across grammars;
 * objects and arrays are written in their rule with calls to their members' rules. A keyword that
 * cannot be enforced exactly raises {@link UnsupportedSchemaException}.
 *
 * <pre>{@code
 * Grammar g = SchemaCompiler.compile("{\"type\":\"object\",\"properties\":{...}}");
 * }</pre>
 */
public final class SchemaCompiler {
  private static final JsonMapper MAPPER =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  private static final List<String> ALL_TYPES =
      List.of("object", "array", "string", "number", "boolean", "null");

  private final GrammarBuilder builder = new GrammarBuilder();
  private final RefResolver refs;
  private final SchemaMerger merger;
  private final Map<JsonNode, Integer> rules = new IdentityHashMap<>();
  private final Set<JsonNode> resolving =
      java.util.Collections.newSetFromMap(new IdentityHashMap<>());
  private final JsonSpelling spelling;
  private int anyValue = -1;
  private int empty = -1;

  private SchemaCompiler(JsonNode root, JsonSpelling spelling) {
    this.spelling = spelling;
    this.refs = new RefResolver(root);
    this.merger = new SchemaMerger(refs);
    this.merger.checkOneOfWith(new OneOfCheck(this, merger));
  }

  /**
   * The lexical automaton of a schema that only admits strings (pattern, format, enum), or null
   * when there is none to compare (length-counted strings).
   */
  Dfa stringAutomaton(JsonNode flat) {
    if (flat.has("enum") || flat.has("const")) {
      Nfa n = new Nfa();
      int from = n.newState();
      int to = n.newState();
      List<JsonNode> values =
          flat.has("const") ? List.of(flat.get("const")) : SchemaMerger.values(flat, "enum");
      for (JsonNode v : values) {
        if (v.isString()) {
          Literals.emit(v, n, from, to);
        }
      }
      n.setStart(from);
      n.setAccept(to);
      return Dfa.of(n);
    }
    int rule = StringShape.rule(this, flat);
    return builder.isCounted(rule) ? null : builder.rule(rule);
  }

  /** The grammar of the JSON instances of {@code schemaJson}. */
  public static Grammar compile(String schemaJson) {
    return compile(readSchema(schemaJson));
  }

  public static Grammar compile(JsonNode schema) {
    return compile(schema, schema);
  }

  /** {@code json_object}: any JSON object. */
  public static Grammar jsonObject() {
    return compile("{\"type\":\"object\"}");
  }

  private static Grammar compile(JsonNode root, JsonNode schema) {
    return compile(
        root,
        schema,
        JsonSpelling.LENIENT,
        (c, value) -> {
          Nfa n = new Nfa();
          int s = n.newState();
          int body = n.newState();
          int after = n.newState();
          int e = n.newState();
          n.addCall(s, c.whitespace(), body);
          n.addCall(body, value, after);
          n.addCall(after, c.whitespace(), e);
          n.setStart(s);
          n.setAccept(e);
          return n;
        });
  }

  /** Writes a grammar's start rule around the rule of the schema's JSON value. */
  interface StartRule {
    Nfa write(SchemaCompiler compiler, int value);
  }

  /**
   * The grammar whose start rule {@code start} writes around the instances of {@code schema},
   * spelled as {@code spelling} allows.
   */
  static Grammar compile(String schemaJson, JsonSpelling spelling, StartRule start) {
    JsonNode root = readSchema(schemaJson);
    return compile(root, root, spelling, start);
  }

  private static JsonNode readSchema(String schemaJson) {
    try {
      return MAPPER.readTree(schemaJson);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("schema is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static Grammar compile(
      JsonNode root, JsonNode schema, JsonSpelling spelling, StartRule startRule) {
    SchemaCompiler c = new SchemaCompiler(root, spelling);
    int start = c.builder.reserve();
    try {
      int value = c.ruleFor(schema);
      c.builder.define(start, startRule.write(c, value));
      return c.builder.build(start);
    } catch (AutomatonTooLargeException e) {
      throw new UnsupportedSchemaException("schema", e.getMessage());
    } catch (StackOverflowError e) {
      throw new UnsupportedSchemaException("$ref", "schema nesting too deep");
    }
  }

  GrammarBuilder builder() {
    return builder;
  }

  /** Whether {@code 1.0} counts as an integer (JSON Schema drafts 6 and later). */
  boolean integersWithZeroFraction() {
    return spelling.zeroFractionIntegers() && !refs.integersWithoutFraction();
  }

  int whitespace() {
    return Lexemes.whitespace(builder, spelling.maxWhitespace());
  }

  /** The rule of a schema (reserved before its body, so that recursive references work). */
  int ruleFor(JsonNode s) {
    Integer known = rules.get(s);
    if (known != null) {
      return known;
    }
    if (s.isBoolean()) {
      return s.asBoolean() ? anyValueRule() : emptyRule();
    }
    if (s.isObject() && s.has("$ref") && onlyRef(s)) {
      if (!resolving.add(s)) {
        throw new UnsupportedSchemaException("$ref", "reference cycle without content");
      }
      int target = ruleFor(refs.resolve(s.get("$ref").asString()));
      rules.put(s, target);
      return target;
    }
    int id = builder.reserve();
    rules.put(s, id);
    JsonNode flat = merger.flatten(s);
    Nfa n = new Nfa();
    int from = n.newState();
    int to = n.newState();
    emitAlternatives(flat, n, from, to, id);
    n.setStart(from);
    n.setAccept(to);
    builder.define(id, n);
    return id;
  }

  private boolean onlyRef(JsonNode s) {
    if (refs.legacyDraft()) {
      return true;
    }
    for (String k : s.propertyNames()) {
      if (!k.equals("$ref") && Keywords.constrains(k)) {
        return false;
      }
    }
    return true;
  }

  private void emitAlternatives(JsonNode flat, Nfa n, int from, int to, int rule) {
    if (flat.isBoolean()) {
      if (flat.asBoolean()) {
        n.addCall(from, anyValueRule(), to);
      }
      return;
    }
    refuseGeneral(flat);
    JsonNode anyOf = flat.get("anyOf");
    if (anyOf != null) {
      ObjectNode base = ((ObjectNode) flat).deepCopy();
      base.remove("anyOf");
      boolean plain = base.propertyNames().stream().noneMatch(Keywords::constrains);
      for (JsonNode alt : anyOf) {
        JsonNode schema = plain ? alt : merger.merge(base, merger.flatten(alt));
        n.addCall(from, ruleFor(schema), to);
      }
      return;
    }
    List<String> types = types(flat);
    if (flat.has("enum") || flat.has("const")) {
      emitEnum(flat, types, n, from, to);
      return;
    }
    for (String type : types) {
      switch (type) {
        case "null" -> n.addCall(from, Lexemes.literal(builder, "null"), to);
        case "boolean" -> {
          n.addCall(from, Lexemes.literal(builder, "true"), to);
          n.addCall(from, Lexemes.literal(builder, "false"), to);
        }
        case "integer", "number" -> {
          if (type.equals("integer") && types.contains("number")) {
            continue;
          }
          int r = NumberShape.rule(this, flat, type.equals("integer"));
          if (r >= 0) {
            n.addCall(from, r, to);
          }
        }
        case "string" -> n.addCall(from, StringShape.rule(this, flat), to);
        case "object" -> ObjectShape.emit(this, flat, n, from, to, rule);
        case "array" -> ArrayShape.emit(this, flat, n, from, to);
        default -> throw new UnsupportedSchemaException("type", "unknown type " + type);
      }
    }
  }

  private static void refuseGeneral(JsonNode s) {
    for (String k : List.of("not", "if", "$dynamicRef", "$recursiveRef")) {
      if (s.has(k)) {
        throw new UnsupportedSchemaException(k, "not enforced");
      }
    }
  }

  private static List<String> types(JsonNode s) {
    JsonNode t = s.get("type");
    if (t == null) {
      return ALL_TYPES;
    }
    List<String> out = new ArrayList<>(SchemaMerger.types(t));
    for (String x : out) {
      if (!ALL_TYPES.contains(x) && !x.equals("integer")) {
        throw new UnsupportedSchemaException("type", "unknown type " + x);
      }
    }
    return out;
  }

  /** Literal values allowed by enum/const, the type and the other keywords. */
  private void emitEnum(JsonNode flat, List<String> types, Nfa n, int from, int to) {
    List<JsonNode> values = new ArrayList<>();
    if (flat.has("const")) {
      values.add(flat.get("const"));
    }
    if (flat.has("enum")) {
      List<JsonNode> e = SchemaMerger.values(flat, "enum");
      values =
          values.isEmpty()
              ? e
              : values.stream()
                  .filter(v -> e.stream().anyMatch(x -> SchemaMerger.sameValue(x, v)))
                  .toList();
    }
    ObjectNode rest = ((ObjectNode) flat).deepCopy();
    rest.remove("enum");
    rest.remove("const");
    boolean onlyType =
        rest.propertyNames().stream().noneMatch(k -> !k.equals("type") && Keywords.constrains(k));
    Grammar check = onlyType ? null : compile(refs.root(), rest);
    List<JsonNode> kept = new ArrayList<>();
    for (JsonNode v : values) {
      if (!hasType(v, types)) {
        continue;
      }
      if (check != null && !check.accepts(Literals.dumps(v).getBytes(StandardCharsets.UTF_8))) {
        continue;
      }
      kept.add(v);
    }
    if (kept.isEmpty()) {
      return;
    }
    int rule =
        builder.lexical(
            "enum:" + kept,
            () -> {
              Nfa ln = new Nfa();
              int s = ln.newState();
              int e = ln.newState();
              for (JsonNode v : kept) {
                Literals.emit(v, ln, s, e);
              }
              ln.setStart(s);
              ln.setAccept(e);
              return Dfa.of(ln);
            });
    n.addCall(from, rule, to);
  }

  private static boolean hasType(JsonNode v, List<String> types) {
    Set<String> t = new LinkedHashSet<>(types);
    if (v.isNull()) {
      return t.contains("null");
    }
    if (v.isBoolean()) {
      return t.contains("boolean");
    }
    if (v.isString()) {
      return t.contains("string");
    }
    if (v.isNumber()) {
      boolean integral = v.decimalValue().stripTrailingZeros().scale() <= 0;
      return t.contains("number") || (integral && t.contains("integer"));
    }
    if (v.isArray()) {
      return t.contains("array");
    }
    return t.contains("object");
  }

  /** Any JSON value (the schema {@code true}). */
  private int anyValueRule() {
    if (anyValue >= 0) {
      return anyValue;
    }
    anyValue = builder.reserve();
    JsonNode schema =
        MAPPER.readTree(
            "{\"type\":[\"object\",\"array\",\"string\",\"number\",\"boolean\",\"null\"]}");
    Nfa n = new Nfa();
    int from = n.newState();
    int to = n.newState();
    emitAlternatives(schema, n, from, to, anyValue);
    n.setStart(from);
    n.setAccept(to);
    builder.define(anyValue, n);
    return anyValue;
  }

  /** The rule of the {@code false} schema: no value. */
  int emptyRule() {
    if (empty < 0) {
      empty = builder.reserve();
      Nfa n = new Nfa();
      n.setStart(n.newState());
      n.setAccept(n.newState());
      builder.define(empty, n);
    }
    return empty;
  }
}
