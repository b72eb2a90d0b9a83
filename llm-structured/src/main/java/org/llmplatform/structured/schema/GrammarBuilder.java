package org.llmplatform.structured.schema;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.automaton.Nfa;
import org.llmplatform.structured.grammar.Grammar;
import org.llmplatform.structured.grammar.GrammarChecks;
import org.llmplatform.structured.grammar.LengthBound;
import org.llmplatform.structured.grammar.PropertySet;

/**
 * Collects the rules of one grammar. Lexical rules (no calls) are interned across grammars by a key
 * describing their language, so that equal lexemes share one automaton and its cached masks.
 */
final class GrammarBuilder {
  private static final int INTERNED_MAX = 4096;
  private static final Map<String, Dfa> INTERNED =
      Collections.synchronizedMap(
          new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Dfa> eldest) {
              return size() > INTERNED_MAX;
            }
          });

  private final List<Dfa> rules = new ArrayList<>();
  private final Map<String, Integer> lexicalIds = new HashMap<>();
  private final Map<Integer, LengthBound> bounds = new HashMap<>();
  private final Map<Integer, PropertySet> propertySets = new HashMap<>();

  /** A rule id to define later (rules may be recursive). */
  int reserve() {
    rules.add(null);
    return rules.size() - 1;
  }

  void define(int id, Nfa nfa) {
    rules.set(id, Dfa.of(nfa));
  }

  /** The local id of the lexical rule with this key, built from the supplier the first time. */
  int lexical(String key, Supplier<Dfa> dfa) {
    Integer id = lexicalIds.get(key);
    if (id != null) {
      return id;
    }
    Dfa d = INTERNED.get(key);
    if (d == null) {
      d = dfa.get();
      if (!d.lexical()) {
        throw new IllegalStateException("lexical rule with calls: " + key);
      }
      INTERNED.put(key, d);
    }
    id = rules.size();
    rules.add(d);
    lexicalIds.put(key, id);
    return id;
  }

  /** A JSON string of {@code min} to {@code max} (-1: any) characters, counted beside its rule. */
  int countedString(int min, int max) {
    String key = "string#" + min + "#" + max;
    Integer id = lexicalIds.get(key);
    if (id != null) {
      return id;
    }
    Dfa plain = rules.get(Lexemes.plainString(this));
    id = rules.size();
    rules.add(plain);
    lexicalIds.put(key, id);
    bounds.put(id, new LengthBound(min, max, plain.step(0, '"')));
    return id;
  }

  /** Rule {@code id} tracks its object's properties (see {@link PropertySet}). */
  void trackProperties(int id, long required) {
    PropertySet old = propertySets.get(id);
    if (old != null && old.required() != required) {
      throw new UnsupportedSchemaException("type", "two object shapes in one schema");
    }
    propertySets.put(id, new PropertySet(required));
  }

  boolean isCounted(int id) {
    return bounds.containsKey(id);
  }

  Dfa rule(int id) {
    return rules.get(id);
  }

  /** The grammar with rule {@code start} first. */
  Grammar build(int start) {
    List<Dfa> ordered = new ArrayList<>(rules);
    if (start != 0) {
      // swap so that the start rule is 0, renumbering calls
      throw new IllegalStateException("start rule must be reserved first");
    }
    List<Integer> cycle = GrammarChecks.leftRecursion(ordered);
    if (!cycle.isEmpty()) {
      throw new UnsupportedSchemaException(
          "$ref", "left-recursive reference (a schema that refers to itself before any input)");
    }
    LengthBound[] perRule = new LengthBound[ordered.size()];
    bounds.forEach((id, b) -> perRule[id] = b);
    PropertySet[] sets = new PropertySet[ordered.size()];
    propertySets.forEach((id, p) -> sets[id] = p);
    return Grammar.of(ordered, perRule, sets);
  }
}
