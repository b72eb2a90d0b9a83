package org.llmplatform.session.api;

import org.llmplatform.api.error.InvalidFieldException;
import org.llmplatform.api.session.Owners;

/**
 * Parsing of the query parameters; a bad one is an {@link InvalidFieldException} naming it (400).
 */
final class QueryParams {

  private QueryParams() {}

  static String owner(String owner) {
    return Owners.require(owner, "owner");
  }

  /** The value as an int in [min, max], or {@code fallback} when absent. */
  static Integer integer(String value, String name, int min, int max, Integer fallback) {
    if (value == null) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.strip());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new InvalidFieldException(name, name + " must be an integer from " + min + " to " + max);
  }
}
