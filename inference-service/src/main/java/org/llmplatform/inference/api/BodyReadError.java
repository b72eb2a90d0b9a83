package org.llmplatform.inference.api;

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

/**
 * Why a request body could not be read, in the client's words: the JSON field and what it should
 * have held, e.g. {@code max_new_tokens: 8.5 is not an integer}. Jackson's own messages name Java
 * types ({@code java.lang.Integer}, the request record) and are not shown.
 *
 * @param param the top-level field at fault, or null when the body as a whole is
 * @param message what is wrong, for the client
 */
record BodyReadError(String param, String message) {

  private static final int MAX_SHOWN = 32;

  static BodyReadError of(JacksonException e) {
    String param = null;
    StringBuilder where = new StringBuilder();
    for (JacksonException.Reference ref : e.getPath()) {
      if (param == null) {
        param = ref.getPropertyName();
        where.append(param);
      } else if (ref.getPropertyName() != null) {
        where.append('[').append(shown(ref.getPropertyName())).append(']');
      } else {
        where.append('[').append(ref.getIndex()).append(']');
      }
    }
    return new BodyReadError(param, message(e, param == null ? null : where.toString()));
  }

  private static String message(JacksonException e, String where) {
    return switch (e) {
      case InvalidNullException n when where != null -> where + " must not be null";
      case InvalidFormatException f when where != null ->
          isOutOfRange(f)
              ? where + ": " + shown(f.getValue()) + " is out of range"
              : where + ": " + shown(f.getValue()) + " is not " + kind(f.getTargetType());
      case MismatchedInputException m when where != null ->
          where + " must be " + kind(m.getTargetType());
      case MismatchedInputException m -> "the request body must be a JSON object";
      case InputCoercionException c when where != null -> where + " is out of range";
      case StreamReadException r -> "malformed JSON" + at(r.getLocation());
      default ->
          where != null ? where + " could not be read" : "the request body could not be read";
    };
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
      case String s when s.length() > MAX_SHOWN -> "\"" + s.substring(0, MAX_SHOWN) + "…\"";
      case String s -> "\"" + s + "\"";
      case null -> "null";
      default -> "the value";
    };
  }

  private static String at(TokenStreamLocation location) {
    return location == null || location.getLineNr() < 1
        ? ""
        : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }
}
