package org.llmplatform.structured.regex;

import java.util.List;

/** A regular expression over Unicode scalar values, as parsed by {@link RegexParser}. */
public sealed interface Re {
  /** One character of the set. */
  record Chars(CharSet set) implements Re {}

  /** The items one after the other; empty for the empty string. */
  record Seq(List<Re> items) implements Re {}

  /** One of the options. */
  record Alt(List<Re> options) implements Re {}

  /** {@code min} to {@code max} times the body; max -1 for unbounded. */
  record Repeat(Re body, int min, int max) implements Re {}

  /** {@code ^}: start of the text. */
  record Start() implements Re {}

  /** {@code $}: end of the text. */
  record End() implements Re {}

  Re EMPTY = new Seq(List.of());

  static Re literal(String s) {
    return new Seq(s.codePoints().mapToObj(c -> (Re) new Chars(CharSet.single(c))).toList());
  }
}
