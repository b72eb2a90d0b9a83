package org.llmplatform.session.api;

import org.llmplatform.api.session.InvalidFieldException;
import org.llmplatform.api.session.Owners;

/** Parsing of the query parameters, with errors that name the parameter. */
final class QueryParams {

  private QueryParams() {}

  static String owner(String owner) {
    try {
      return Owners.require(owner, "owner");
    } catch (InvalidFieldException e) {
      throw SessionApiException.invalid(e.field(), e.getMessage());
    }
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
    throw SessionApiException.invalid(
        name, name + " must be an integer from " + min + " to " + max);
  }
}
