package org.llmplatform.structured.schema;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.structured.automaton.AutomatonTooLargeException;
import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.regex.CharSet;
import org.llmplatform.structured.regex.Re;
import org.llmplatform.structured.regex.RegexCompiler;
import org.llmplatform.structured.regex.RegexParser;
import org.llmplatform.structured.regex.RegexUnsupportedException;
import tools.jackson.databind.JsonNode;

/**
 * A JSON string under {@code pattern} (searched, as JSON Schema says, unless anchored), {@code
 * format}, {@code minLength} / {@code maxLength} (in code points): one lexical rule, the
 * intersection of one automaton per constraint.
 */
final class StringShape {
  /** The largest {@code maxLength} / {@code minLength} enforced. */
  static final int MAX_LENGTH = 2000;

  private StringShape() {}

  static int rule(SchemaCompiler c, JsonNode s) {
    List<String> patterns = new ArrayList<>();
    JsonNode p = s.get("pattern");
    if (p != null) {
      if (p.isArray()) {
        p.forEach(x -> patterns.add(x.asString()));
      } else {
        patterns.add(p.asString());
      }
    }
    String format = s.has("format") ? Formats.regex(s.get("format").asString()) : null;
    int min = s.path("minLength").asInt(0);
    int max = s.has("maxLength") ? s.get("maxLength").asInt() : -1;
    if (max >= 0 && min > max) {
      return c.emptyRule(); // no string has such a length: the counted rule would dead-end
    }
    if (patterns.isEmpty() && format == null) {
      return min == 0 && max < 0
          ? Lexemes.plainString(c.builder())
          : c.builder().countedString(min, max);
    }
    if (min > MAX_LENGTH || max > MAX_LENGTH) {
      throw new UnsupportedSchemaException(
          max > MAX_LENGTH ? "maxLength" : "minLength", "lengths over " + MAX_LENGTH);
    }
    String key = "str:" + patterns + "|" + format + "|" + min + "|" + max;
    String keyword = !patterns.isEmpty() ? "pattern" : format != null ? "format" : "maxLength";
    try {
      return c.builder().lexical(key, () -> build(patterns, format, min, max));
    } catch (RegexUnsupportedException e) {
      throw new UnsupportedSchemaException(keyword, e.getMessage());
    } catch (AutomatonTooLargeException e) {
      throw new UnsupportedSchemaException(keyword, e.getMessage());
    }
  }

  private static Dfa build(List<String> patterns, String format, int min, int max) {
    Dfa result = null;
    for (String pattern : patterns) {
      result = and(result, Lexemes.quoted(RegexCompiler.searchForm(RegexParser.parse(pattern))));
    }
    if (format != null) {
      result = and(result, Lexemes.quoted(RegexCompiler.fullMatchForm(RegexParser.parse(format))));
    }
    if (min > 0 || max >= 0) {
      result = and(result, Lexemes.quoted(new Re.Repeat(new Re.Chars(CharSet.ANY), min, max)));
    }
    return result;
  }

  private static Dfa and(Dfa a, Dfa b) {
    return a == null ? b : Dfa.intersect(a, b);
  }
}
