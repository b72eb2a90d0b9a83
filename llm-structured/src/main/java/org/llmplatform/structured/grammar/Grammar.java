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

  Grammar(Dfa[] rules) {
    this.rules = rules;
  }

  /** A grammar from its rules; callers check it with {@link GrammarChecks} first. */
  public static Grammar of(List<Dfa> rules) {
    return new Grammar(GrammarChecks.productive(rules.toArray(new Dfa[0])));
  }

  Dfa rule(int index) {
    return rules[index];
  }

  public int ruleCount() {
    return rules.length;
  }

  /** True when no sentence at all matches the grammar. */
  public boolean isEmpty() {
    return rules[0].isEmpty();
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
