package org.llmplatform.structured.regex;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the regular-expression subset that JSON Schema's {@code pattern} uses in practice:
 * literals, {@code .}, classes with ranges and negation, {@code \d \w \s} and their negations,
 * groups (capturing, non-capturing, named), alternation, greedy and lazy quantifiers, {@code ^} and
 * {@code $}. Look-around, back-references, word boundaries, Unicode properties and inline flags are
 * refused with {@link RegexUnsupportedException}: their language cannot be enforced exactly here.
 */
public final class RegexParser {
  /** The largest repetition count accepted in {@code {n,m}}. */
  static final int MAX_REPEAT = 1000;

  private final String src;
  private int pos;

  private RegexParser(String src) {
    this.src = src;
  }

  public static Re parse(String regex) {
    RegexParser p = new RegexParser(regex);
    Re re = p.alternation();
    if (p.pos < regex.length()) {
      throw new RegexUnsupportedException("unbalanced ')' at " + p.pos);
    }
    return re;
  }

  private boolean more() {
    return pos < src.length();
  }

  private int peek() {
    return src.codePointAt(pos);
  }

  private int next() {
    int c = src.codePointAt(pos);
    pos += Character.charCount(c);
    return c;
  }

  private Re alternation() {
    List<Re> options = new ArrayList<>();
    options.add(sequence());
    while (more() && peek() == '|') {
      pos++;
      options.add(sequence());
    }
    return options.size() == 1 ? options.get(0) : new Re.Alt(options);
  }

  private Re sequence() {
    List<Re> items = new ArrayList<>();
    while (more() && peek() != '|' && peek() != ')') {
      Re atom = atom();
      items.add(quantified(atom));
    }
    return items.size() == 1 ? items.get(0) : new Re.Seq(items);
  }

  private Re quantified(Re atom) {
    while (more()) {
      int c = peek();
      int min;
      int max;
      if (c == '*') {
        pos++;
        min = 0;
        max = -1;
      } else if (c == '+') {
        pos++;
        min = 1;
        max = -1;
      } else if (c == '?') {
        pos++;
        min = 0;
        max = 1;
      } else if (c == '{' && braceQuantifier() != null) {
        int[] q = braceQuantifier();
        pos = q[2];
        min = q[0];
        max = q[1];
      } else {
        return atom;
      }
      if (atom instanceof Re.Start || atom instanceof Re.End) {
        throw new RegexUnsupportedException("quantified anchor");
      }
      if (more() && peek() == '?') {
        pos++; // lazy: same language
      } else if (more() && peek() == '+') {
        throw new RegexUnsupportedException("possessive quantifier");
      }
      if (min > MAX_REPEAT || max > MAX_REPEAT) {
        throw new RegexUnsupportedException("repetition count over " + MAX_REPEAT);
      }
      atom = new Re.Repeat(atom, min, max);
    }
    return atom;
  }

  /** {min, max, end position} when a valid {@code {n}}, {@code {n,}} or {@code {n,m}} is here. */
  private int[] braceQuantifier() {
    int i = pos + 1;
    int start = i;
    while (i < src.length() && Character.isDigit(src.charAt(i))) {
      i++;
    }
    if (i == start || i >= src.length()) {
      return null;
    }
    int min = parseCount(src.substring(start, i));
    int max = min;
    if (src.charAt(i) == ',') {
      i++;
      int s2 = i;
      while (i < src.length() && Character.isDigit(src.charAt(i))) {
        i++;
      }
      max = i == s2 ? -1 : parseCount(src.substring(s2, i));
    }
    if (i >= src.length() || src.charAt(i) != '}') {
      return null;
    }
    if (max >= 0 && max < min) {
      throw new RegexUnsupportedException("repetition {" + min + "," + max + "}");
    }
    return new int[] {min, max, i + 1};
  }

  private static int parseCount(String digits) {
    return digits.length() > 6 ? Integer.MAX_VALUE : Integer.parseInt(digits);
  }

  private Re atom() {
    int c = next();
    switch (c) {
      case '^':
        return new Re.Start();
      case '$':
        return new Re.End();
      case '.':
        return new Re.Chars(CharSet.single('\n').complement());
      case '[':
        return new Re.Chars(charClass());
      case '(':
        return group();
      case '\\':
        return escape(false);
      case '*', '+', '?':
        throw new RegexUnsupportedException("nothing to repeat at " + (pos - 1));
      default:
        return new Re.Chars(CharSet.single(c));
    }
  }

  private Re group() {
    if (src.startsWith("?:", pos)) {
      pos += 2;
    } else if (src.startsWith("?<", pos)
            && !src.startsWith("?<=", pos)
            && !src.startsWith("?<!", pos)
        || src.startsWith("?P<", pos)) {
      int close = src.indexOf('>', pos);
      if (close < 0) {
        throw new RegexUnsupportedException("unterminated group name");
      }
      pos = close + 1;
    } else if (src.startsWith("?", pos)) {
      throw new RegexUnsupportedException(
          "group construct ("
              + src.substring(pos, Math.min(src.length(), pos + 3))
              + " (look-around or flags)");
    }
    Re inner = alternation();
    if (!more() || next() != ')') {
      throw new RegexUnsupportedException("missing ')'");
    }
    return inner;
  }

  private CharSet charClass() {
    boolean negate = false;
    if (more() && peek() == '^') {
      negate = true;
      pos++;
    }
    CharSet set = CharSet.EMPTY;
    boolean first = true;
    while (true) {
      if (!more()) {
        throw new RegexUnsupportedException("unterminated character class");
      }
      int c = peek();
      if (c == ']' && !first) {
        pos++;
        break;
      }
      first = false;
      CharSet item = classItem();
      if (item.ranges().length == 2
          && item.ranges()[0] == item.ranges()[1]
          && pos + 1 < src.length()
          && peek() == '-'
          && src.codePointAt(pos + 1) != ']') {
        pos++;
        CharSet hiItem = classItem();
        if (hiItem.ranges().length != 2 || hiItem.ranges()[0] != hiItem.ranges()[1]) {
          throw new RegexUnsupportedException("class range to a class");
        }
        int lo = item.ranges()[0];
        int hi = hiItem.ranges()[0];
        if (hi < lo) {
          throw new RegexUnsupportedException("bad class range");
        }
        item = CharSet.of(lo, hi).intersect(CharSet.ANY);
      }
      set = set.union(item);
    }
    return negate ? set.complement() : set;
  }

  private CharSet classItem() {
    int c = next();
    if (c == '[' && more() && peek() == ':') {
      throw new RegexUnsupportedException("POSIX class");
    }
    if (c == '\\') {
      Re e = escape(true);
      return ((Re.Chars) e).set();
    }
    return CharSet.single(c);
  }

  private Re escape(boolean inClass) {
    if (!more()) {
      throw new RegexUnsupportedException("trailing backslash");
    }
    int c = next();
    CharSet set =
        switch (c) {
          case 'd' -> UnicodeClasses.DIGIT;
          case 'D' -> UnicodeClasses.DIGIT.complement();
          case 'w' -> UnicodeClasses.WORD;
          case 'W' -> UnicodeClasses.WORD.complement();
          case 's' -> UnicodeClasses.SPACE;
          case 'S' -> UnicodeClasses.SPACE.complement();
          case 'n' -> CharSet.single('\n');
          case 'r' -> CharSet.single('\r');
          case 't' -> CharSet.single('\t');
          case 'f' -> CharSet.single('\f');
          case 'v' -> CharSet.single(0x0B);
          case '0' -> CharSet.single(0);
          case 'a' -> CharSet.single(7);
          case 'x' -> CharSet.single(hex(2));
          case 'u' -> CharSet.single(unicodeEscape());
          case 'b' -> {
            if (inClass) {
              yield CharSet.single(8);
            }
            throw new RegexUnsupportedException("word boundary \\b");
          }
          default -> {
            if (Character.isLetterOrDigit(c)) {
              throw new RegexUnsupportedException("escape \\" + Character.toString(c));
            }
            yield CharSet.single(c);
          }
        };
    return new Re.Chars(set);
  }

  private int unicodeEscape() {
    if (more() && peek() == '{') {
      int close = src.indexOf('}', pos);
      if (close < 0) {
        throw new RegexUnsupportedException("bad \\u{...}");
      }
      int v = Integer.parseInt(src.substring(pos + 1, close), 16);
      pos = close + 1;
      return v;
    }
    int v = hex(4);
    if (v >= 0xD800 && v <= 0xDBFF && src.startsWith("\\u", pos)) {
      int save = pos;
      pos += 2;
      int low = hex(4);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        return Character.toCodePoint((char) v, (char) low);
      }
      pos = save;
    }
    if (v >= 0xD800 && v <= 0xDFFF) {
      throw new RegexUnsupportedException("lone surrogate escape");
    }
    return v;
  }

  private int hex(int digits) {
    if (pos + digits > src.length()) {
      throw new RegexUnsupportedException("bad hex escape");
    }
    try {
      int v = Integer.parseInt(src.substring(pos, pos + digits), 16);
      pos += digits;
      return v;
    } catch (NumberFormatException e) {
      throw new RegexUnsupportedException("bad hex escape");
    }
  }
}
