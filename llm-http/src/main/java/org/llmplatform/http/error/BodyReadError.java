package org.llmplatform.http.error;

import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.InvalidNullException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Why a request body could not be read, in the client's words: the field's path and what it should
 * have held, e.g. {@code max_new_tokens: 8.5 is not an integer}, {@code messages[0].token_count
 * must be an integer}. Jackson's own messages name Java types ({@code java.lang.Integer}, the
 * request record) and are not shown.
 *
 * @param param the path of the field at fault ({@code logit_bias.5}, {@code input_ids[2]}), or null
 *     when the body as a whole is (malformed JSON, not an object)
 * @param message what is wrong, for the client
 */
public record BodyReadError(String param, String message) {

  private static final int MAX_SHOWN = 32;

  /** The error of a body Jackson failed to read. */
  public static BodyReadError of(JacksonException e) {
    if (e instanceof StreamReadException && !(e instanceof InputCoercionException)) {
      return new BodyReadError(null, malformed((StreamReadException) e));
    }
    String path = path(e);
    return new BodyReadError(path, message(e, path));
  }

  /**
   * {@code messages[2].content} for the path property {@code messages}, index 2, property {@code
   * content}; null for the body itself.
   */
  static String path(JacksonException e) {
    StringBuilder path = new StringBuilder();
    for (JacksonException.Reference ref : e.getPath()) {
      if (ref.getPropertyName() != null) {
        if (!path.isEmpty()) {
          path.append('.');
        }
        path.append(cut(ref.getPropertyName()));
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.isEmpty() ? null : path.toString();
  }

  private static String message(JacksonException e, String where) {
    return switch (e) {
      case InvalidNullException n when where != null -> where + " must not be null";
      case InvalidFormatException f when where != null ->
          isOutOfRange(f)
              ? where + ": " + shown(f.getValue()) + " is out of range"
              : where + ": " + shown(f.getValue()) + " is not " + kind(f.getTargetType());
      case UnrecognizedPropertyException u when where != null -> where + " is not a known field";
      case MismatchedInputException m when where != null ->
          where + " must be " + kind(m.getTargetType());
      case MismatchedInputException m when isTrailing(m) ->
          "the request body holds more than one JSON value";
      case MismatchedInputException m -> "the request body must be " + kind(m.getTargetType());
      case InputCoercionException c when where != null -> where + " is out of range";
      default ->
          where != null ? where + " could not be read" : "the request body could not be read";
    };
  }

  private static String malformed(StreamReadException e) {
    String original = e.getOriginalMessage();
    String what =
        original != null && original.startsWith("Invalid UTF-8")
            ? "the request body is not valid UTF-8"
            : "malformed JSON";
    return what + at(e.getLocation());
  }

  private static boolean isTrailing(MismatchedInputException m) {
    return m.getOriginalMessage() != null && m.getOriginalMessage().startsWith("Trailing token");
  }

  /** An integer-looking value too large for its field (e.g. a map key). */
  private static boolean isOutOfRange(InvalidFormatException f) {
    if (!kind(f.getTargetType()).equals("an integer") || !(f.getValue() instanceof String s)) {
      return false;
    }
    try {
      new BigInteger(s.strip());
      return true;
    } catch (NumberFormatException notAnInteger) {
      return false;
    }
  }

  private static String kind(Class<?> type) {
    if (type == null) {
      return "of another type";
    }
    if (type == Integer.class
        || type == int.class
        || type == Long.class
        || type == long.class
        || type == Short.class
        || type == short.class
        || type == BigInteger.class) {
      return "an integer";
    }
    if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type.isArray() || Collection.class.isAssignableFrom(type)) {
      return "an array";
    }
    return Map.class.isAssignableFrom(type) || type.isRecord() ? "an object" : "of another type";
  }

  /** A client's value as the message shows it: numbers as they are, text quoted and cut short. */
  private static String shown(Object value) {
    return switch (value) {
      case Number n -> n.toString();
      case Boolean b -> b.toString();
      case String s -> "\"" + cut(s) + "\"";
      case null -> "null";
      default -> "the value";
    };
  }

  private static String cut(String text) {
    return text.length() > MAX_SHOWN ? text.substring(0, MAX_SHOWN) + "…" : text;
  }

  private static String at(TokenStreamLocation location) {
    return location == null || location.getLineNr() < 1
        ? ""
        : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }
}
