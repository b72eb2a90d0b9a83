package org.llmplatform.structured.grammar;

import java.util.List;
import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * A compiled grammar over bytes: rules, each a deterministic automaton whose edges are bytes or
 * calls of other rules (a recursive transition network, i.e. a pushdown automaton); rule 0 is the
 * start. Immutable and shareable between threads; {@link #matcher} gives a thread-confined cursor.
 */
public final class Grammar {
  private final Dfa[] rules;
  private final LengthBound[] bounds; // [rules], null where the rule counts nothing
  private final PropertySet[] properties; // [rules], null where the rule tracks no properties
  private final PropertyLiveness[] liveness; // [rules], beside each property set

  Grammar(Dfa[] rules, LengthBound[] bounds, PropertySet[] properties) {
    this.rules = rules;
    this.bounds = bounds;
    this.properties = properties;
    this.liveness = new PropertyLiveness[rules.length];
    for (int r = 0; r < rules.length; r++) {
      if (properties[r] != null) {
        liveness[r] = PropertyLiveness.of(rules[r], properties[r].required());
      }
    }
  }

  /** A grammar from its rules (rule 0 the start). */
  public static Grammar of(List<Dfa> rules) {
    return of(rules, new LengthBound[rules.size()], new PropertySet[rules.size()]);
  }

  /** A grammar from its rules and, per rule, a length bound or null, a property set or null. */
  public static Grammar of(List<Dfa> rules, LengthBound[] bounds, PropertySet[] properties) {
    return new Grammar(
        GrammarChecks.productive(rules.toArray(new Dfa[0]), properties),
        bounds.clone(),
        properties.clone());
  }

  Dfa rule(int index) {
    return rules[index];
  }

  LengthBound bound(int index) {
    return bounds[index];
  }

  /** The frame after byte {@code b}, or null when the rule (or its length bound) refuses it. */
  Frame step(Frame f, int b) {
    int s = rules[f.rule].step(f.state, b);
    if (s < 0) {
      return null;
    }
    LengthBound lb = bounds[f.rule];
    if (lb != null) {
      int count = lb.next(f.state, b, (int) f.count);
      return count < 0 ? null : new Frame(f.rule, s, count, f.parent);
    }
    PropertySet ps = properties[f.rule];
    if (ps != null) {
      long seen = ps.next(rules[f.rule].tag(s), f.count);
      return seen < 0 || !liveness[f.rule].live(s, seen)
          ? null
          : new Frame(f.rule, s, seen, f.parent);
    }
    return new Frame(f.rule, s, 0, f.parent);
  }

  public int ruleCount() {
    return rules.length;
  }

  /** True when no sentence at all matches the grammar. */
  public boolean isEmpty() {
    return rules[0].isEmpty() || (liveness[0] != null && !liveness[0].completes());
  }

  /** True when {@code text} is a whole sentence of the grammar. */
  public boolean accepts(byte[] text) {
    Configs c = Configs.close(this, new Frame(0, 0, null));
    for (int i = 0; i < text.length && !c.isDead(); i++) {
      c = c.step(this, text[i] & 0xFF);
    }
    return c.accepting();
  }

  /** True when {@code text} can be continued to a sentence of the grammar (or is one). */
  public boolean acceptsPrefix(byte[] text) {
    Configs c = Configs.close(this, new Frame(0, 0, null));
    for (int i = 0; i < text.length && !c.isDead(); i++) {
      c = c.step(this, text[i] & 0xFF);
    }
    return !c.isDead();
  }

  /** A matcher at the start of the grammar for the given vocabulary. */
  public Matcher matcher(Vocabulary vocabulary) {
    return new Matcher(this, vocabulary, LexicalMasks.of(vocabulary));
  }
}
