package org.llmplatform.structured.schema;

import java.util.Map;
import java.util.Set;

/**
 * The {@code format} values enforced, as regular expressions over the decoded string (whole-string
 * matches). Formats the validators check but that are not here are refused; others (custom names)
 * are annotations and ignored, as validators ignore them.
 */
final class Formats {
  private static final String YEAR = "[0-9]{4}";
  private static final String LEAP_YEAR =
      "([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)";
  private static final String MONTH_DAY =
      "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))";
  static final String DATE = "(" + YEAR + "-" + MONTH_DAY + "|" + LEAP_YEAR + "-02-29)";
  static final String TIME =
      "([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";
  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

  private static final Map<String, String> ENFORCED =
      Map.of(
          "date",
          DATE,
          "time",
          TIME,
          "date-time",
          DATE + "[Tt]" + TIME,
          "uuid",
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
          "ipv4",
          OCTET + "(\\." + OCTET + "){3}",
          "email",
          "[^\\s@\"]+@[^\\s@\"]+",
          "uri",
          "[A-Za-z][A-Za-z0-9+.\\-]*:[^\\s<>\"{}|\\\\^`]*");

  /** Formats the reference validators check, refused here (not expressible exactly yet). */
  private static final Set<String> CHECKED_ELSEWHERE =
      Set.of(
          "idn-email",
          "hostname",
          "idn-hostname",
          "ipv6",
          "uri-reference",
          "iri",
          "iri-reference",
          "uri-template",
          "json-pointer",
          "relative-json-pointer",
          "regex",
          "duration",
          "color");

  private Formats() {}

  /** The regular expression of a format, or null when the format is only an annotation. */
  static String regex(String format) {
    String re = ENFORCED.get(format);
    if (re == null && CHECKED_ELSEWHERE.contains(format)) {
      throw new UnsupportedSchemaException("format", format + " is not enforced");
    }
    return re;
  }
}
