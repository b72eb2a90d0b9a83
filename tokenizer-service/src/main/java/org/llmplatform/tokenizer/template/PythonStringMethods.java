package org.llmplatform.tokenizer.template;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods for templates written against Jinja2, where a string is a Python
 * string: {@code content.strip()}, {@code .startswith('<tool_response>')}, {@code
 * .split('</think>')[-1]}, {@code .lstrip('\n')}… Jinjava would otherwise call Java's methods of
 * the same name, with other semantics ({@code split} takes a regex and drops trailing empty
 * strings) or fail ({@code startswith}).
 *
 * <p>Placed before Jinjava's own resolver; it resolves method calls on strings only.
 */
final class PythonStringMethods extends ELResolver {

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(base instanceof String s) || method == null) {
      return null;
    }
    Object[] args = params == null ? new Object[0] : params;
    Object result = apply(s, method.toString(), args);
    if (result == NOT_HANDLED) {
      return null;
    }
    context.setPropertyResolved(true);
    return result;
  }

  private static final Object NOT_HANDLED = new Object();

  static Object apply(String s, String name, Object[] args) {
    return switch (name) {
      case "strip" -> strip(s, chars(args), true, true);
      case "lstrip" -> strip(s, chars(args), true, false);
      case "rstrip" -> strip(s, chars(args), false, true);
      case "startswith" -> affix(s, args, true);
      case "endswith" -> affix(s, args, false);
      case "split" -> split(s, arg(args, 0), maxsplit(args));
      case "rsplit" -> rsplit(s, arg(args, 0), maxsplit(args));
      case "splitlines" -> s.lines().toList();
      case "upper" -> s.toUpperCase(Locale.ROOT);
      case "lower" -> s.toLowerCase(Locale.ROOT);
      case "title" -> title(s);
      case "capitalize" ->
          s.isEmpty()
              ? s
              : s.substring(0, 1).toUpperCase(Locale.ROOT)
                  + s.substring(1).toLowerCase(Locale.ROOT);
      case "replace" ->
          replace(s, str(args[0]), str(args[1]), args.length > 2 ? toInt(args[2]) : -1);
      case "find" -> s.indexOf(str(args[0]));
      case "rfind" -> s.lastIndexOf(str(args[0]));
      case "count" -> count(s, str(args[0]));
      case "join" -> join(s, args[0]);
      case "removeprefix" -> s.startsWith(str(args[0])) ? s.substring(str(args[0]).length()) : s;
      case "removesuffix" ->
          s.endsWith(str(args[0])) ? s.substring(0, s.length() - str(args[0]).length()) : s;
      case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PythonStringMethods::isSpace);
      case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
      case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
      case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
      case "isupper" -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toUpperCase());
      case "islower" -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toLowerCase());
      default -> NOT_HANDLED;
    };
  }

  /** Python's {@code str.isspace} for one code point. */
  static boolean isSpace(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
  }

  private static String chars(Object[] args) {
    return args.length == 0 || args[0] == null ? null : str(args[0]);
  }

  private static String arg(Object[] args, int i) {
    return args.length <= i || args[i] == null ? null : str(args[i]);
  }

  private static int maxsplit(Object[] args) {
    return args.length > 1 && args[1] != null ? toInt(args[1]) : -1;
  }

  private static String str(Object o) {
    return String.valueOf(o);
  }

  private static int toInt(Object o) {
    return o instanceof Number n ? n.intValue() : Integer.parseInt(str(o));
  }

  static String strip(String s, String chars, boolean left, boolean right) {
    int start = 0;
    int end = s.length();
    if (left) {
      while (start < end && stripped(s.codePointAt(start), chars)) {
        start += Character.charCount(s.codePointAt(start));
      }
    }
    if (right) {
      while (end > start && stripped(s.codePointBefore(end), chars)) {
        end -= Character.charCount(s.codePointBefore(end));
      }
    }
    return s.substring(start, end);
  }

  private static boolean stripped(int cp, String chars) {
    return chars == null ? isSpace(cp) : chars.indexOf(Character.toString(cp)) >= 0;
  }

  private static boolean affix(String s, Object[] args, boolean prefix) {
    String target = s;
    if (args.length > 1 && args[1] != null) {
      int start = Math.min(toInt(args[1]), s.length());
      int end =
          args.length > 2 && args[2] != null ? Math.min(toInt(args[2]), s.length()) : s.length();
      target = start <= end ? s.substring(Math.max(0, start), end) : "";
    }
    List<String> candidates = new ArrayList<>();
    if (args[0] instanceof Collection<?> many) {
      many.forEach(o -> candidates.add(str(o)));
    } else {
      candidates.add(str(args[0]));
    }
    for (String candidate : candidates) {
      if (prefix ? target.startsWith(candidate) : target.endsWith(candidate)) {
        return true;
      }
    }
    return false;
  }

  static List<String> split(String s, String sep, int maxsplit) {
    List<String> parts = new ArrayList<>();
    if (sep == null) {
      int i = 0;
      int n = s.length();
      while (true) {
        while (i < n && isSpace(s.charAt(i))) {
          i++;
        }
        if (i >= n) {
          break;
        }
        if (maxsplit >= 0 && parts.size() == maxsplit) {
          parts.add(strip(s.substring(i), null, false, true));
          break;
        }
        int j = i;
        while (j < n && !isSpace(s.charAt(j))) {
          j++;
        }
        parts.add(s.substring(i, j));
        i = j;
      }
      return parts;
    }
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    int from = 0;
    while (maxsplit < 0 || parts.size() < maxsplit) {
      int at = s.indexOf(sep, from);
      if (at < 0) {
        break;
      }
      parts.add(s.substring(from, at));
      from = at + sep.length();
    }
    parts.add(s.substring(from));
    return parts;
  }

  static List<String> rsplit(String s, String sep, int maxsplit) {
    if (sep == null || maxsplit < 0) {
      return split(s, sep, maxsplit);
    }
    List<String> parts = new ArrayList<>();
    int end = s.length();
    while (parts.size() < maxsplit) {
      int at = s.lastIndexOf(sep, end - sep.length());
      if (at < 0) {
        break;
      }
      parts.addFirst(s.substring(at + sep.length(), end));
      end = at;
    }
    parts.addFirst(s.substring(0, end));
    return parts;
  }

  private static String replace(String s, String old, String replacement, int count) {
    if (count < 0) {
      return s.replace(old, replacement);
    }
    StringBuilder out = new StringBuilder();
    int from = 0;
    for (int done = 0; done < count; done++) {
      int at = s.indexOf(old, from);
      if (at < 0) {
        break;
      }
      out.append(s, from, at).append(replacement);
      from = at + old.length();
    }
    return out.append(s.substring(from)).toString();
  }

  private static int count(String s, String sub) {
    if (sub.isEmpty()) {
      return s.codePointCount(0, s.length()) + 1;
    }
    int n = 0;
    for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
      n++;
    }
    return n;
  }

  private static String join(String separator, Object items) {
    List<String> parts = new ArrayList<>();
    if (items instanceof Iterable<?> iterable) {
      iterable.forEach(o -> parts.add(str(o)));
    } else {
      parts.add(str(items));
    }
    return String.join(separator, parts);
  }

  private static String title(String s) {
    StringBuilder out = new StringBuilder();
    boolean previousCased = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
      previousCased = Character.isLetter(c);
    }
    return out.toString();
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {}

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }
}
