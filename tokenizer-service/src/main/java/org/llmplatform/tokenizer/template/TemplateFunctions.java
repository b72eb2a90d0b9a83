package org.llmplatform.tokenizer.template;

import com.hubspot.jinjava.interpret.InvalidInputException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.filter.TrimFilter;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The globals and filters transformers adds to its chat template environment: {@code
 * raise_exception}, {@code strftime_now} and a {@code tojson} with Python's output format; Jinja's
 * {@code striptags}, which replaces Jinjava's (that one renders its input as a template); and a
 * {@code trim} that refuses none.
 */
final class TemplateFunctions {

  private TemplateFunctions() {}

  /** {@code raise_exception(message)}: aborts rendering; the request is answered 400. */
  public static Object raiseException(String message) {
    throw new TemplateRaisedException(message);
  }

  /** {@code strftime_now(format)}: the local time in Python's strftime format. */
  public static String strftimeNow(String format) {
    return StrftimeFormatter.format(ZonedDateTime.now(), format);
  }

  /** {@code value | tojson(indent=None)}. */
  static final class ToJson implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return PythonJson.dumps(var, args.length > 0 ? Integer.valueOf(args[0]) : null);
    }

    @Override
    public Object filter(
        Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
      return PythonJson.dumps(
          var, indent instanceof Number n ? Integer.valueOf(n.intValue()) : null);
    }
  }

  /**
   * {@code value | trim}: Jinjava's (whitespace stripped), except that none is an error, as in
   * transformers.js, instead of the text {@code null} (Python's Jinja writes {@code None}): Llama
   * 3's template trims every message's content, and an assistant message that only calls tools has
   * none.
   */
  static final class Trim extends TrimFilter {
    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      if (var == null) {
        throw new InvalidInputException(interpreter, "trim", "trim cannot be applied to none");
      }
      return super.filter(var, interpreter, args);
    }
  }

  /**
   * {@code value | striptags} as Jinja (MarkupSafe) does it: comments and tags removed, whitespace
   * runs joined to one space, HTML entities unescaped. The text is never rendered.
   */
  static final class StripTags implements Filter {
    private static final Pattern COMMENTS = Pattern.compile("<!--.*?-->", Pattern.DOTALL);
    private static final Pattern TAGS = Pattern.compile("<.*?>", Pattern.DOTALL);

    @Override
    public String getName() {
      return "striptags";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      if (var == null) {
        return "";
      }
      String text = TAGS.matcher(COMMENTS.matcher(var.toString()).replaceAll("")).replaceAll("");
      String joined = String.join(" ", text.strip().split("(?U)\\s+"));
      return jinjava.org.jsoup.parser.Parser.unescapeEntities(joined, false);
    }
  }
}
