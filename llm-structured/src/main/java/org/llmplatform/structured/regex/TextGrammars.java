package org.llmplatform.structured.regex;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.automaton.Nfa;
import org.llmplatform.structured.grammar.Grammar;

/** Grammars over raw text: vLLM's {@code guided_regex} and {@code guided_choice}. */
public final class TextGrammars {
  private TextGrammars() {}

  /** Texts the regular expression matches as a whole; unsupported constructs throw. */
  public static Grammar regex(String regex) {
    Nfa n = new Nfa();
    int s = n.newState();
    int e = n.newState();
    RegexCompiler.emit(
        RegexCompiler.fullMatchForm(RegexParser.parse(regex)), n, s, e, CharEncoding.UTF8);
    n.setStart(s);
    n.setAccept(e);
    return Grammar.of(List.of(Dfa.of(n)));
  }

  /** Exactly one of the choices. */
  public static Grammar choice(List<String> choices) {
    if (choices.isEmpty()) {
      throw new IllegalArgumentException("no choices");
    }
    Nfa n = new Nfa();
    int s = n.newState();
    int e = n.newState();
    for (String c : choices) {
      n.addLiteral(s, c.getBytes(StandardCharsets.UTF_8), e);
    }
    n.setStart(s);
    n.setAccept(e);
    return Grammar.of(List.of(Dfa.of(n)));
  }
}
