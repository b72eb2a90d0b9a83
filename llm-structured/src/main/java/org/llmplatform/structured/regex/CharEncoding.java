package org.llmplatform.structured.regex;

import java.util.List;
import org.llmplatform.structured.automaton.Nfa;

/** How one character of a regular expression is spelled in bytes. */
public sealed interface CharEncoding {
  /** Adds to {@code nfa} paths from {@code from} to {@code to} spelling each character of set. */
  void emit(Nfa nfa, CharSet set, int from, int to);

  /** The character's UTF-8 bytes, as in raw text (guided regex). */
  CharEncoding UTF8 = new Utf8();

  /**
   * As inside a JSON string: UTF-8 for the characters JSON allows raw, the escapes for the others
   * (backslash with one of {@code " \ b f n r t}, backslash-u00XX for other control characters); a
   * slash also as backslash-slash. Other characters are not accepted in their backslash-uXXXX form
   * here.
   */
  CharEncoding JSON_STRING = new JsonString();

  /** Raw UTF-8. */
  record Utf8() implements CharEncoding {
    @Override
    public void emit(Nfa nfa, CharSet set, int from, int to) {
      emitSequences(nfa, Utf8Sequences.of(set), from, to);
    }
  }

  /** JSON string content. */
  record JsonString() implements CharEncoding {
    private static final CharSet NEEDS_ESCAPE = CharSet.of(0, 0x1F).union(CharSet.ofChars("\"\\"));

    @Override
    public void emit(Nfa nfa, CharSet set, int from, int to) {
      emitSequences(nfa, Utf8Sequences.of(set.minus(NEEDS_ESCAPE)), from, to);
      CharSet escaped = set.intersect(NEEDS_ESCAPE.union(CharSet.single('/')));
      if (escaped.isEmpty()) {
        return;
      }
      int afterBackslash = nfa.newState();
      nfa.addByte(from, '\\', afterBackslash);
      int[] r = escaped.ranges();
      for (int i = 0; i < r.length; i += 2) {
        for (int c = r[i]; c <= r[i + 1]; c++) {
          emitShortEscape(nfa, c, afterBackslash, to);
        }
      }
      CharSet controls = escaped.intersect(CharSet.of(0, 0x1F));
      if (controls.isEmpty()) {
        return;
      }
      int u = nfa.newState();
      nfa.addByte(afterBackslash, 'u', u);
      int u0 = nfa.newState();
      nfa.addByte(u, '0', u0);
      int u00 = nfa.newState();
      nfa.addByte(u0, '0', u00);
      for (int high = 0; high < 2; high++) {
        CharSet group = controls.intersect(CharSet.of(high * 16, high * 16 + 15));
        if (group.isEmpty()) {
          continue;
        }
        int h = nfa.newState();
        nfa.addByte(u00, '0' + high, h);
        int[] g = group.ranges();
        for (int i = 0; i < g.length; i += 2) {
          for (int c = g[i]; c <= g[i + 1]; c++) {
            int low = c & 0xF;
            if (low < 10) {
              nfa.addByte(h, '0' + low, to);
            } else {
              nfa.addByte(h, 'a' + low - 10, to);
              nfa.addByte(h, 'A' + low - 10, to);
            }
          }
        }
      }
    }

    private static void emitShortEscape(Nfa nfa, int c, int from, int to) {
      int shortForm =
          switch (c) {
            case '"' -> '"';
            case '\\' -> '\\';
            case '/' -> '/';
            case '\b' -> 'b';
            case '\f' -> 'f';
            case '\n' -> 'n';
            case '\r' -> 'r';
            case '\t' -> 't';
            default -> -1;
          };
      if (shortForm >= 0) {
        nfa.addByte(from, shortForm, to);
      }
    }
  }

  private static void emitSequences(Nfa nfa, List<int[]> seqs, int from, int to) {
    for (int[] seq : seqs) {
      int at = from;
      int n = seq.length / 2;
      for (int k = 0; k < n; k++) {
        int nxt = k == n - 1 ? to : nfa.newState();
        nfa.addRange(at, seq[k * 2], seq[k * 2 + 1], nxt);
        at = nxt;
      }
    }
  }
}
