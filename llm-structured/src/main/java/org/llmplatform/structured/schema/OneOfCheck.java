package org.llmplatform.structured.schema;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.llmplatform.structured.automaton.Dfa;
import tools.jackson.databind.JsonNode;

/**
 * {@code oneOf} is enforced as {@code anyOf} only where no instance can match two alternatives:
 * disjoint types, disjoint literal values, strings whose automata do not intersect, or objects told
 * apart by a required property (discriminator) or a property the other forbids. Otherwise the
 * keyword is refused: accepting an instance valid under two alternatives would be loosening.
 */
final class OneOfCheck {
  private static final int MAX_DEPTH = 4;

  private final SchemaCompiler compiler;
  private final SchemaMerger merger;

  OneOfCheck(SchemaCompiler compiler, SchemaMerger merger) {
    this.compiler = compiler;
    this.merger = merger;
  }

  /** Refuses unless no instance satisfies {@code base} and two of the alternatives. */
  void requireDisjoint(JsonNode base, JsonNode alternatives) {
    List<JsonNode> alts = new java.util.ArrayList<>();
    for (JsonNode alt : alternatives) {
      alts.add(merger.merge(base, merger.flatten(alt)));
    }
    for (int i = 0; i < alts.size(); i++) {
      for (int j = i + 1; j < alts.size(); j++) {
        if (!disjoint(alts.get(i), alts.get(j), 0)) {
          throw new UnsupportedSchemaException(
              "oneOf", "alternatives " + i + " and " + j + " may both match an instance");
        }
      }
    }
  }

  private boolean disjoint(JsonNode x, JsonNode y, int depth) {
    if (depth > MAX_DEPTH) {
      return false;
    }
    JsonNode a;
    JsonNode b;
    try {
      a = merger.flatten(x);
      b = merger.flatten(y);
    } catch (UnsupportedSchemaException e) {
      return false;
    }
    if (a.isBoolean() || b.isBoolean()) {
      return (a.isBoolean() && !a.asBoolean()) || (b.isBoolean() && !b.asBoolean());
    }
    if (a.has("anyOf") || b.has("anyOf")) {
      for (JsonNode x2 : expand(a)) {
        for (JsonNode y2 : expand(b)) {
          if (!disjoint(x2, y2, depth + 1)) {
            return false;
          }
        }
      }
      return true;
    }
    Set<String> ta = types(a);
    Set<String> tb = types(b);
    Set<String> common = new LinkedHashSet<>(ta);
    common.retainAll(tb);
    if (common.isEmpty()) {
      return true;
    }
    if (literal(a) && literal(b)) {
      for (JsonNode v : values(a)) {
        for (JsonNode w : values(b)) {
          if (SchemaMerger.sameValue(v, w)) {
            return false;
          }
        }
      }
      return true;
    }
    if (common.equals(Set.of("object"))) {
      return objectsDisjoint(a, b, depth) || objectsDisjoint(b, a, depth);
    }
    if (common.equals(Set.of("string"))) {
      return stringsDisjoint(a, b);
    }
    return false;
  }

  /** The alternatives of a flattened schema with {@code anyOf}, each merged with the rest. */
  private List<JsonNode> expand(JsonNode flat) {
    if (!flat.has("anyOf")) {
      return List.of(flat);
    }
    tools.jackson.databind.node.ObjectNode base =
        ((tools.jackson.databind.node.ObjectNode) flat).deepCopy();
    base.remove("anyOf");
    List<JsonNode> out = new java.util.ArrayList<>();
    for (JsonNode alt : flat.get("anyOf")) {
      out.add(merger.merge(base, merger.flatten(alt)));
    }
    return out;
  }

  private boolean objectsDisjoint(JsonNode a, JsonNode b, int depth) {
    for (JsonNode r : a.path("required")) {
      String p = r.asString();
      JsonNode ap = b.get("additionalProperties");
      boolean forbiddenInB =
          ap != null
              && ap.isBoolean()
              && !ap.asBoolean()
              && !b.path("properties").has(p)
              && !b.has("patternProperties");
      if (forbiddenInB) {
        return true;
      }
      boolean requiredInB = false;
      for (JsonNode rb : b.path("required")) {
        requiredInB |= rb.asString().equals(p);
      }
      JsonNode pa = a.path("properties").get(p);
      JsonNode pb = b.path("properties").get(p);
      if (requiredInB && pa != null && pb != null && disjoint(pa, pb, depth + 1)) {
        return true;
      }
    }
    return false;
  }

  private boolean stringsDisjoint(JsonNode a, JsonNode b) {
    try {
      Dfa da = compiler.stringAutomaton(a);
      Dfa db = compiler.stringAutomaton(b);
      return da != null && db != null && Dfa.intersect(da, db).isEmpty();
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static boolean literal(JsonNode s) {
    return s.has("enum") || s.has("const");
  }

  private static List<JsonNode> values(JsonNode s) {
    if (s.has("const")) {
      return List.of(s.get("const"));
    }
    return SchemaMerger.values(s, "enum");
  }

  /** The JSON types an instance may have; integer counted as number. */
  private static Set<String> types(JsonNode s) {
    Set<String> out = new LinkedHashSet<>();
    if (literal(s)) {
      for (JsonNode v : values(s)) {
        out.add(
            v.isNull()
                ? "null"
                : v.isBoolean()
                    ? "boolean"
                    : v.isNumber()
                        ? "number"
                        : v.isString() ? "string" : v.isArray() ? "array" : "object");
      }
    }
    Set<String> declared = new LinkedHashSet<>();
    if (s.has("type")) {
      for (String t : SchemaMerger.types(s.get("type"))) {
        declared.add(t.equals("integer") ? "number" : t);
      }
    } else {
      declared.addAll(List.of("object", "array", "string", "number", "boolean", "null"));
    }
    if (out.isEmpty()) {
      return declared;
    }
    out.retainAll(declared);
    return out;
  }
}
