package org.llmplatform.structured.schema;

import java.nio.charset.StandardCharsets;
import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.automaton.Nfa;
import org.llmplatform.structured.regex.CharEncoding;
import org.llmplatform.structured.regex.CharSet;
import org.llmplatform.structured.regex.Re;
import org.llmplatform.structured.regex.RegexCompiler;
import org.llmplatform.structured.regex.RegexParser;

/** The lexical rules of JSON: white space, strings, numbers, literals. */
final class Lexemes {
  /** The most white-space bytes between two JSON tokens; bounded so a model cannot loop on them. */
  static final int MAX_WHITESPACE = 24;

  static final String NUMBER_RE = "-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?";

  /** Integers; {@code 1.0} is an integer for JSON Schema (draft 4 on). */
  static final String INTEGER_RE = "-?(0|[1-9][0-9]*)(\\.0+)?";

  private Lexemes() {}

  /** White space of at most {@code max} bytes between two JSON tokens. */
  static int whitespace(GrammarBuilder b, int max) {
    return b.lexical(
        max == MAX_WHITESPACE ? "ws" : "ws#" + max,
        () -> {
          Nfa n = new Nfa();
          int s = n.newState();
          int at = s;
          int end = n.newState();
          n.addEpsilon(s, end);
          for (int i = 0; i < max; i++) {
            int nx = n.newState();
            for (char c : new char[] {' ', '\t', '\n', '\r'}) {
              n.addByte(at, c, nx);
            }
            n.addEpsilon(nx, end);
            at = nx;
          }
          n.setStart(s);
          n.setAccept(end);
          return Dfa.of(n);
        });
  }

  /** Any JSON string, every escape allowed. */
  static int plainString(GrammarBuilder b) {
    return b.lexical("string", () -> Dfa.of(plainStringNfa()));
  }

  static Nfa plainStringNfa() {
    Nfa n = new Nfa();
    int s = n.newState();
    int body = n.newState();
    int end = n.newState();
    n.addByte(s, '"', body);
    addPlainChar(n, body, body);
    n.addByte(body, '"', end);
    n.setStart(s);
    n.setAccept(end);
    return n;
  }

  /** One character of a JSON string: raw, a short escape or any {@code \}{@code uXXXX}. */
  static void addPlainChar(Nfa n, int from, int to) {
    CharSet raw = CharSet.ANY.minus(CharSet.of(0, 0x1F).union(CharSet.ofChars("\"\\")));
    CharEncoding.UTF8.emit(n, raw, from, to);
    int esc = n.newState();
    n.addByte(from, '\\', esc);
    for (char c : "\"\\/bfnrt".toCharArray()) {
      n.addByte(esc, c, to);
    }
    int at = n.newState();
    n.addByte(esc, 'u', at);
    for (int i = 0; i < 4; i++) {
      int nx = i == 3 ? to : n.newState();
      n.addRange(at, '0', '9', nx);
      n.addRange(at, 'a', 'f', nx);
      n.addRange(at, 'A', 'F', nx);
      at = nx;
    }
  }

  static int number(GrammarBuilder b) {
    return b.lexical("number", () -> Dfa.of(raw(NUMBER_RE)));
  }

  /** Integers; with {@code zeroFraction} also {@code 1.0} (drafts 6 on), else digits only. */
  static int integer(GrammarBuilder b, boolean zeroFraction) {
    String re = zeroFraction ? INTEGER_RE : "-?(0|[1-9][0-9]*)";
    return b.lexical("integer:" + zeroFraction, () -> Dfa.of(raw(re)));
  }

  static int literal(GrammarBuilder b, String text) {
    return b.lexical(
        "lit:" + text,
        () -> {
          Nfa n = new Nfa();
          int s = n.newState();
          int e = n.newState();
          n.addLiteral(s, text.getBytes(StandardCharsets.UTF_8), e);
          n.setStart(s);
          n.setAccept(e);
          return Dfa.of(n);
        });
  }

  /** An automaton for a regular expression matched against the whole raw text. */
  static Nfa raw(String regex) {
    return rawRe(RegexCompiler.fullMatchForm(RegexParser.parse(regex)));
  }

  static Nfa rawRe(Re re) {
    Nfa n = new Nfa();
    int s = n.newState();
    int e = n.newState();
    RegexCompiler.emit(re, n, s, e, CharEncoding.UTF8);
    n.setStart(s);
    n.setAccept(e);
    return n;
  }

  /** A JSON string (quotes included) whose decoded content is a sentence of {@code content}. */
  static Dfa quoted(Re content) {
    Nfa n = new Nfa();
    int s = n.newState();
    int a = n.newState();
    int z = n.newState();
    int e = n.newState();
    n.addByte(s, '"', a);
    RegexCompiler.emit(content, n, a, z, CharEncoding.JSON_STRING);
    n.addByte(z, '"', e);
    n.setStart(s);
    n.setAccept(e);
    return Dfa.of(n);
  }
}
