package org.llmplatform.structured.regex;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.structured.automaton.Nfa;

/** Adds parsed regular expressions to an automaton, with the anchoring a use needs. */
public final class RegexCompiler {
  private RegexCompiler() {}

  /**
   * The expression as JSON Schema's {@code pattern} means it: it matches if it matches anywhere in
   * the string, unless anchored with {@code ^} / {@code $}.
   */
  public static Re searchForm(Re re) {
    List<Re> options = re instanceof Re.Alt alt ? alt.options() : List.of(re);
    List<Re> out = new ArrayList<>();
    Re anyStar = new Re.Repeat(new Re.Chars(CharSet.ANY), 0, -1);
    for (Re option : options) {
      if (option instanceof Re.Alt nested) {
        out.add(searchForm(nested));
        continue;
      }
      List<Re> items =
          new ArrayList<>(option instanceof Re.Seq seq ? seq.items() : List.of(option));
      boolean start = false;
      boolean end = false;
      while (!items.isEmpty() && items.get(0) instanceof Re.Start) {
        items.remove(0);
        start = true;
      }
      while (!items.isEmpty() && items.get(items.size() - 1) instanceof Re.End) {
        items.remove(items.size() - 1);
        end = true;
      }
      if (items.size() == 1 && items.get(0) instanceof Re.Alt inner && !start && !end) {
        out.add(searchForm(inner));
        continue;
      }
      List<Re> seq = new ArrayList<>();
      if (!start) {
        seq.add(anyStar);
      }
      seq.addAll(items);
      if (!end) {
        seq.add(anyStar);
      }
      out.add(new Re.Seq(seq));
    }
    return out.size() == 1 ? out.get(0) : new Re.Alt(out);
  }

  /** The expression as a whole-text match (anchors at its ends are redundant and dropped). */
  public static Re fullMatchForm(Re re) {
    List<Re> options = re instanceof Re.Alt alt ? alt.options() : List.of(re);
    List<Re> out = new ArrayList<>();
    for (Re option : options) {
      List<Re> items =
          new ArrayList<>(option instanceof Re.Seq seq ? seq.items() : List.of(option));
      while (!items.isEmpty() && items.get(0) instanceof Re.Start) {
        items.remove(0);
      }
      while (!items.isEmpty() && items.get(items.size() - 1) instanceof Re.End) {
        items.remove(items.size() - 1);
      }
      out.add(new Re.Seq(items));
    }
    return out.size() == 1 ? out.get(0) : new Re.Alt(out);
  }

  /** Adds paths from {@code from} to {@code to} for every sentence of {@code re}. */
  public static void emit(Re re, Nfa nfa, int from, int to, CharEncoding encoding) {
    switch (re) {
      case Re.Chars c -> {
        if (!c.set().isEmpty()) {
          encoding.emit(nfa, c.set(), from, to);
        }
      }
      case Re.Seq seq -> {
        int at = from;
        List<Re> items = seq.items();
        if (items.isEmpty()) {
          nfa.addEpsilon(from, to);
        }
        for (int i = 0; i < items.size(); i++) {
          int nxt = i == items.size() - 1 ? to : nfa.newState();
          emit(items.get(i), nfa, at, nxt, encoding);
          at = nxt;
        }
      }
      case Re.Alt alt -> {
        for (Re option : alt.options()) {
          int a = nfa.newState();
          int b = nfa.newState();
          nfa.addEpsilon(from, a);
          emit(option, nfa, a, b, encoding);
          nfa.addEpsilon(b, to);
        }
      }
      case Re.Repeat rep -> emitRepeat(rep, nfa, from, to, encoding);
      case Re.Start s -> throw new RegexUnsupportedException("'^' inside the expression");
      case Re.End e -> throw new RegexUnsupportedException("'$' inside the expression");
    }
  }

  private static void emitRepeat(Re.Repeat rep, Nfa nfa, int from, int to, CharEncoding enc) {
    int at = from;
    for (int i = 0; i < rep.min(); i++) {
      int nxt = nfa.newState();
      emit(rep.body(), nfa, at, nxt, enc);
      at = nxt;
    }
    if (rep.max() < 0) {
      int loop = nfa.newState();
      int back = nfa.newState();
      nfa.addEpsilon(at, loop);
      emit(rep.body(), nfa, loop, back, enc);
      nfa.addEpsilon(back, loop);
      nfa.addEpsilon(loop, to);
      return;
    }
    nfa.addEpsilon(at, to);
    for (int i = rep.min(); i < rep.max(); i++) {
      int nxt = nfa.newState();
      emit(rep.body(), nfa, at, nxt, enc);
      nfa.addEpsilon(nxt, to);
      at = nxt;
    }
  }
}
