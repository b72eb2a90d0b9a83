package org.llmplatform.structured.schema;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.BooleanNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Flattens {@code allOf} and {@code $ref}-with-siblings into one schema object where the
 * conjunction can be written exactly (types intersected, properties and required united, bounds
 * tightened, {@code anyOf} distributed); refuses the keyword where it cannot.
 */
final class SchemaMerger {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final int MAX_DEPTH = 24;
  private static final int MAX_ALTERNATIVES = 64;

  private final RefResolver refs;
  private OneOfCheck oneOf;

  SchemaMerger(RefResolver refs) {
    this.refs = refs;
  }

  /** Enables {@code oneOf}, checked by {@code check} (else refused). */
  void checkOneOfWith(OneOfCheck check) {
    this.oneOf = check;
  }

  /** The schema with top-level {@code allOf}, {@code $ref} and {@code oneOf} flattened. */
  JsonNode flatten(JsonNode s) {
    return flatten(s, 0);
  }

  private JsonNode flatten(JsonNode s, int depth) {
    if (depth > MAX_DEPTH) {
      throw new UnsupportedSchemaException("allOf", "recursive $ref inside allOf");
    }
    if (s.isBoolean()) {
      return s;
    }
    if (!s.isObject()) {
      throw new UnsupportedSchemaException("schema", "not an object: " + s);
    }
    JsonNode ref = s.get("$ref");
    if (ref != null && refs.legacyDraft()) {
      return flatten(refs.resolve(ref.asString()), depth + 1);
    }
    ObjectNode out = F.objectNode();
    for (Map.Entry<String, JsonNode> e : s.properties()) {
      String k = e.getKey();
      if (!k.equals("$ref") && !k.equals("allOf") && !k.equals("oneOf") && !k.equals("not")) {
        out.set(k, e.getValue());
      }
    }
    JsonNode result = out;
    if (s.has("not")) {
      result = merge(result, negate(s.get("not"), depth + 1));
    }
    if (s.has("oneOf")) {
      if (oneOf == null) {
        throw new UnsupportedSchemaException("oneOf", "not enforced here");
      }
      oneOf.requireDisjoint(out, s.get("oneOf"));
      ObjectNode alt = F.objectNode();
      alt.set("anyOf", s.get("oneOf"));
      result = merge(result, alt);
    }
    if (ref != null) {
      result = merge(result, flatten(refs.resolve(ref.asString()), depth + 1));
    }
    JsonNode all = s.get("allOf");
    if (all != null) {
      for (JsonNode member : all) {
        result = merge(result, flatten(member, depth + 1));
      }
    }
    return result;
  }

  /**
   * {@code not} where it has an exact positive form: {@code not true/false/{}}, double negation,
   * and excluded types; refused otherwise.
   */
  private JsonNode negate(JsonNode x, int depth) {
    if (x.isObject() && x.has("not")) {
      boolean onlyNot = true;
      for (String k : x.propertyNames()) {
        onlyNot &= k.equals("not") || !Keywords.constrains(k);
      }
      if (onlyNot) {
        return flatten(x.get("not"), depth + 1); // not not X = X
      }
    }
    JsonNode fx = flatten(x, depth);
    if (fx.isBoolean()) {
      return BooleanNode.valueOf(!fx.asBoolean());
    }
    List<String> keys = new ArrayList<>();
    fx.propertyNames()
        .forEach(
            k -> {
              if (Keywords.constrains(k)) {
                keys.add(k);
              }
            });
    if (keys.isEmpty()) {
      return BooleanNode.FALSE;
    }
    if (keys.equals(List.of("not"))) {
      return flatten(fx.get("not"), depth + 1);
    }
    if (keys.equals(List.of("type"))) {
      Set<String> excluded = types(fx.get("type"));
      if (excluded.contains("integer") && !excluded.contains("number")) {
        throw new UnsupportedSchemaException("not", "not integer (non-integral numbers)");
      }
      ArrayNode remaining = F.arrayNode();
      for (String t : List.of("object", "array", "string", "number", "boolean", "null")) {
        if (!excluded.contains(t)) {
          remaining.add(t);
        }
      }
      if (remaining.isEmpty()) {
        return BooleanNode.FALSE;
      }
      ObjectNode n = F.objectNode();
      n.set("type", remaining);
      return n;
    }
    throw new UnsupportedSchemaException("not", "not of " + keys + " is not enforced");
  }

  /** The conjunction of two flattened schemas. */
  JsonNode merge(JsonNode a, JsonNode b) {
    if (a.isBoolean()) {
      return a.asBoolean() ? b : a;
    }
    if (b.isBoolean()) {
      return b.asBoolean() ? a : b;
    }
    ObjectNode out = ((ObjectNode) a).deepCopy();
    for (Map.Entry<String, JsonNode> e : b.properties()) {
      String k = e.getKey();
      JsonNode bv = e.getValue();
      JsonNode av = out.get(k);
      if (av == null) {
        out.set(k, bv);
        continue;
      }
      if (av.equals(bv) && !k.equals("properties")) {
        continue;
      }
      switch (k) {
        case "type" -> {
          Set<String> t = intersectTypes(types(av), types(bv));
          if (t.isEmpty()) {
            return BooleanNode.FALSE;
          }
          ArrayNode arr = F.arrayNode();
          t.forEach(arr::add);
          out.set("type", arr);
        }
        case "properties" -> {
          ObjectNode props = ((ObjectNode) av).deepCopy();
          for (Map.Entry<String, JsonNode> p : bv.properties()) {
            JsonNode existing = props.get(p.getKey());
            props.set(p.getKey(), existing == null ? p.getValue() : allOf(existing, p.getValue()));
          }
          out.set("properties", props);
        }
        case "required" -> {
          Set<String> req = new LinkedHashSet<>();
          av.forEach(n -> req.add(n.asString()));
          bv.forEach(n -> req.add(n.asString()));
          ArrayNode arr = F.arrayNode();
          req.forEach(arr::add);
          out.set("required", arr);
        }
        case "items", "additionalItems" -> {
          if (av.isArray() || bv.isArray()) {
            throw new UnsupportedSchemaException("allOf", "two tuple 'items' in allOf");
          }
          out.set(k, allOf(av, bv));
        }
        case "enum", "const" -> {
          ArrayNode kept = intersect(values(out, k), values(b, k));
          if (k.equals("enum")) {
            out.set("enum", kept);
          } else if (kept.isEmpty()) {
            out.remove("const");
            out.set("enum", kept); // two different constants: no value is left
          } else {
            out.set("const", kept.get(0));
          }
        }
        case "minLength", "minItems", "minProperties", "minimum" ->
            out.set(k, max(av, bv) ? av : bv);
        case "maxLength", "maxItems", "maxProperties", "maximum" ->
            out.set(k, max(av, bv) ? bv : av);
        case "exclusiveMinimum" -> {
          requireNumeric(av, bv, k);
          out.set(k, max(av, bv) ? av : bv);
        }
        case "exclusiveMaximum" -> {
          requireNumeric(av, bv, k);
          out.set(k, max(av, bv) ? bv : av);
        }
        case "pattern" -> {
          ArrayNode arr = F.arrayNode();
          addAll(arr, av);
          addAll(arr, bv);
          out.set("pattern", arr);
        }
        case "anyOf" -> {
          if (av.size() * bv.size() > MAX_ALTERNATIVES) {
            throw new UnsupportedSchemaException("anyOf", "too many alternatives in allOf");
          }
          ArrayNode product = F.arrayNode();
          for (JsonNode x : av) {
            for (JsonNode y : bv) {
              product.add(allOf(x, y));
            }
          }
          out.set("anyOf", product);
        }
        case "additionalProperties" -> out.set(k, allOf(av, bv));
        default -> {
          if (Keywords.constrains(k)) {
            throw new UnsupportedSchemaException(
                k, "different values of '" + k + "' in allOf cannot be merged");
          }
        }
      }
    }
    closeAdditional(out, a, b);
    closeAdditional(out, b, a);
    if (out.has("enum") && out.has("const")) {
      // one side's const and the other's enum (or one side's both): the values both allow
      out.set("enum", intersect(values(out, "enum"), values(out, "const")));
      out.remove("const");
    }
    return out;
  }

  /** The values of {@code left} that {@code right} holds too. */
  private static ArrayNode intersect(List<JsonNode> left, List<JsonNode> right) {
    ArrayNode kept = F.arrayNode();
    for (JsonNode v : left) {
      if (right.stream().anyMatch(r -> sameValue(r, v))) {
        kept.add(v);
      }
    }
    return kept;
  }

  /** Where {@code side} forbids or constrains other properties, the other side's names feel it. */
  private static void closeAdditional(ObjectNode out, JsonNode side, JsonNode other) {
    JsonNode ap = side.get("additionalProperties");
    if (ap == null || (ap.isBoolean() && ap.asBoolean())) {
      return;
    }
    if (side.has("patternProperties") || other.has("patternProperties")) {
      throw new UnsupportedSchemaException(
          "patternProperties", "with additionalProperties in allOf");
    }
    JsonNode own = side.path("properties");
    ObjectNode props = out.has("properties") ? (ObjectNode) out.get("properties") : F.objectNode();
    List<String> names = new ArrayList<>();
    other.path("properties").propertyNames().forEach(names::add);
    other.path("required").forEach(n -> names.add(n.asString()));
    for (String name : names) {
      if (!own.has(name)) {
        JsonNode existing = props.get(name);
        props.set(
            name,
            existing == null
                ? allOf(
                    other.path("properties").path(name).isMissingNode()
                        ? BooleanNode.TRUE
                        : other.path("properties").path(name),
                    ap)
                : allOf(existing, ap));
      }
    }
    if (!props.isEmpty()) {
      out.set("properties", props);
    }
  }

  private static ObjectNode allOf(JsonNode x, JsonNode y) {
    ObjectNode n = F.objectNode();
    ArrayNode arr = n.putArray("allOf");
    arr.add(x);
    arr.add(y);
    return n;
  }

  private static void addAll(ArrayNode arr, JsonNode v) {
    if (v.isArray()) {
      v.forEach(arr::add);
    } else {
      arr.add(v);
    }
  }

  private static void requireNumeric(JsonNode a, JsonNode b, String k) {
    if (!a.isNumber() || !b.isNumber()) {
      throw new UnsupportedSchemaException(k, "boolean '" + k + "' in allOf");
    }
  }

  /** True when a &gt;= b (numbers). */
  private static boolean max(JsonNode a, JsonNode b) {
    if (!a.isNumber() || !b.isNumber()) {
      throw new UnsupportedSchemaException("allOf", "non-numeric bound " + a + " / " + b);
    }
    return a.decimalValue().compareTo(b.decimalValue()) >= 0;
  }

  static Set<String> types(JsonNode t) {
    Set<String> s = new LinkedHashSet<>();
    if (t.isArray()) {
      t.forEach(n -> s.add(n.asString()));
    } else {
      s.add(t.asString());
    }
    return s;
  }

  private static Set<String> intersectTypes(Set<String> a, Set<String> b) {
    Set<String> out = new LinkedHashSet<>();
    for (String x : a) {
      if (b.contains(x)) {
        out.add(x);
      } else if (x.equals("integer") && b.contains("number")) {
        out.add("integer");
      } else if (x.equals("number") && b.contains("integer")) {
        out.add("integer");
      }
    }
    return out;
  }

  static List<JsonNode> values(JsonNode s, String k) {
    JsonNode v = s.get(k);
    List<JsonNode> out = new ArrayList<>();
    if (k.equals("const")) {
      out.add(v);
    } else {
      v.forEach(out::add);
    }
    return out;
  }

  /** JSON equality as validators see it: numbers by value, booleans apart from numbers. */
  static boolean sameValue(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      BigDecimal x = a.decimalValue();
      BigDecimal y = b.decimalValue();
      return x.compareTo(y) == 0;
    }
    if (a.isObject() && b.isObject()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (Map.Entry<String, JsonNode> e : a.properties()) {
        JsonNode o = b.get(e.getKey());
        if (o == null || !sameValue(e.getValue(), o)) {
          return false;
        }
      }
      return true;
    }
    if (a.isArray() && b.isArray()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!sameValue(a.get(i), b.get(i))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }
}
