package org.llmplatform.structured.schema;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.automaton.Nfa;
import org.llmplatform.structured.grammar.PropertySet;
import tools.jackson.databind.JsonNode;

/**
 * A JSON object with its properties in the order the schema lists them, required ones present,
 * optional ones skippable, and extra properties (other names) wherever {@code additionalProperties}
 * allows them.
 */
final class ObjectShape {
  private ObjectShape() {}

  private record Member(String name, JsonNode schema, boolean required) {}

  static void emit(SchemaCompiler c, JsonNode s, Nfa n, int from, int to, int rule) {
    refuse(s);
    Set<String> required = new LinkedHashSet<>();
    s.path("required").forEach(r -> required.add(r.asString()));
    JsonNode additional = s.get("additionalProperties");
    if (additional == null) {
      additional = tools.jackson.databind.node.BooleanNode.TRUE;
    }
    List<Member> members = new ArrayList<>();
    for (Map.Entry<String, JsonNode> p : s.path("properties").properties()) {
      members.add(new Member(p.getKey(), p.getValue(), required.contains(p.getKey())));
    }
    for (String r : required) {
      if (!s.path("properties").has(r)) {
        members.add(new Member(r, additional, true));
      }
    }
    boolean extras = !(additional.isBoolean() && !additional.asBoolean());
    int requiredCount = (int) members.stream().filter(Member::required).count();
    checkCounts(s, requiredCount, members.size(), extras);
    int ws = c.whitespace();
    if (members.size() <= PropertySet.MAX_PROPERTIES) {
      emitAnyOrder(c, members, extras ? additional : null, n, from, to, rule);
      return;
    }
    int[][] node = new int[members.size() + 1][2];
    for (int[] row : node) {
      row[0] = n.newState();
      row[1] = n.newState();
    }
    int open = n.newState();
    n.addByte(from, '{', open);
    n.addCall(open, ws, node[0][0]);
    int keyRule = extras ? extraKeyRule(c, members) : -1;
    int valueRule = extras ? c.ruleFor(additional) : -1;
    for (int i = 0; i <= members.size(); i++) {
      for (int e = 0; e < 2; e++) {
        int at = node[i][e];
        if (extras) {
          member(n, separator(n, at, e, ws), keyRule, null, valueRule, ws, node[i][1]);
        }
        if (i < members.size()) {
          Member m = members.get(i);
          int value = c.ruleFor(m.schema());
          byte[] key = Literals.quote(m.name()).getBytes(StandardCharsets.UTF_8);
          member(n, separator(n, at, e, ws), -1, key, value, ws, node[i + 1][1]);
          if (!m.required()) {
            n.addEpsilon(at, node[i + 1][e]);
          }
        } else {
          n.addByte(at, '}', to);
        }
      }
    }
  }

  /**
   * Members in any order, each declared one at most once and the required ones present (tracked by
   * the rule's {@link PropertySet}); extra names wherever {@code additional} allows them.
   */
  private static void emitAnyOrder(
      SchemaCompiler c,
      List<Member> members,
      JsonNode additional,
      Nfa n,
      int from,
      int to,
      int rule) {
    int ws = c.whitespace();
    long required = 0;
    for (int i = 0; i < members.size(); i++) {
      if (members.get(i).required()) {
        required |= 1L << i;
      }
    }
    c.builder().trackProperties(rule, required);
    int open = n.newState();
    n.addByte(from, '{', open);
    int first = n.newState();
    n.addCall(open, ws, first);
    int close = n.newState();
    n.tag(close, PropertySet.CLOSE);
    n.addEpsilon(close, to);
    n.addByte(first, '}', close);
    int afterMember = n.newState();
    int next = n.newState();
    int comma = n.newState();
    n.addByte(afterMember, ',', comma);
    n.addCall(comma, ws, next);
    n.addByte(afterMember, '}', close);
    for (int start : new int[] {first, next}) {
      for (int i = 0; i < members.size(); i++) {
        Member m = members.get(i);
        int keyEnd = n.newState();
        n.addLiteral(start, Literals.quote(m.name()).getBytes(StandardCharsets.UTF_8), keyEnd);
        n.tag(keyEnd, i);
        valueAfterKey(n, keyEnd, c.ruleFor(m.schema()), ws, afterMember);
      }
      if (additional != null) {
        int keyEnd = n.newState();
        n.addCall(start, extraKeyRule(c, members), keyEnd);
        valueAfterKey(n, keyEnd, c.ruleFor(additional), ws, afterMember);
      }
    }
  }

  /** ws ':' ws value ws after a key. */
  private static void valueAfterKey(Nfa n, int keyEnd, int value, int ws, int to) {
    int k2 = n.newState();
    n.addCall(keyEnd, ws, k2);
    int colon = n.newState();
    n.addByte(k2, ':', colon);
    int v = n.newState();
    n.addCall(colon, ws, v);
    int after = n.newState();
    n.addCall(v, value, after);
    n.addCall(after, ws, to);
  }

  /** From {@code at}: a comma and white space when a member came before. */
  private static int separator(Nfa n, int at, int emitted, int ws) {
    if (emitted == 0) {
      return at;
    }
    int comma = n.newState();
    n.addByte(at, ',', comma);
    int after = n.newState();
    n.addCall(comma, ws, after);
    return after;
  }

  /** key ws ':' ws value ws, the key a rule call or literal bytes. */
  private static void member(Nfa n, int at, int keyRule, byte[] key, int value, int ws, int to) {
    int k = n.newState();
    if (key != null) {
      n.addLiteral(at, key, k);
    } else {
      n.addCall(at, keyRule, k);
    }
    int k2 = n.newState();
    n.addCall(k, ws, k2);
    int colon = n.newState();
    n.addByte(k2, ':', colon);
    int v = n.newState();
    n.addCall(colon, ws, v);
    int after = n.newState();
    n.addCall(v, value, after);
    n.addCall(after, ws, to);
  }

  /** A string that is none of the declared names (as their canonical spelling). */
  private static int extraKeyRule(SchemaCompiler c, List<Member> members) {
    if (members.isEmpty()) {
      return Lexemes.plainString(c.builder());
    }
    List<String> names = members.stream().map(Member::name).sorted().distinct().toList();
    return c.builder()
        .lexical(
            "key-except:" + names,
            () -> {
              Nfa n = new Nfa();
              int s = n.newState();
              int e = n.newState();
              for (String name : names) {
                n.addLiteral(s, Literals.quote(name).getBytes(StandardCharsets.UTF_8), e);
              }
              n.setStart(s);
              n.setAccept(e);
              Dfa declared = Dfa.of(n);
              return Dfa.intersect(Dfa.of(Lexemes.plainStringNfa()), Dfa.complement(declared));
            });
  }

  private static void checkCounts(JsonNode s, int required, int declared, boolean extras) {
    JsonNode min = s.get("minProperties");
    if (min != null && min.asInt() > required) {
      throw new UnsupportedSchemaException("minProperties", "more than the required properties");
    }
    JsonNode max = s.get("maxProperties");
    if (max != null && (extras || max.asInt() < declared)) {
      throw new UnsupportedSchemaException("maxProperties", "fewer than the possible properties");
    }
  }

  private static void refuse(JsonNode s) {
    JsonNode pp = s.get("patternProperties");
    if (pp != null && !pp.isEmpty()) {
      throw new UnsupportedSchemaException("patternProperties", "not enforced");
    }
    JsonNode names = s.get("propertyNames");
    if (names != null && !(names.isBoolean() && names.asBoolean()) && !names.isEmpty()) {
      throw new UnsupportedSchemaException("propertyNames", "not enforced");
    }
    for (String k : List.of("dependencies", "dependentRequired", "dependentSchemas")) {
      JsonNode d = s.get(k);
      if (d != null && !d.isEmpty()) {
        throw new UnsupportedSchemaException(k, "not enforced");
      }
    }
    JsonNode u = s.get("unevaluatedProperties");
    if (u != null && !(u.isBoolean() && u.asBoolean())) {
      throw new UnsupportedSchemaException("unevaluatedProperties", "not enforced");
    }
  }
}
