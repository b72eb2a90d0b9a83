package org.llmplatform.api.session;

import org.llmplatform.api.error.InvalidFieldException;

/** The rule every owner id (tenant / API key id) follows, wherever it travels. */
public final class Owners {

  /** Longest owner id accepted, in characters. */
  public static final int MAX_LENGTH = 256;

  private Owners() {}

  /**
   * Checks an owner id: present, not blank, at most {@link #MAX_LENGTH} characters, no control
   * characters.
   *
   * @param field the JSON name to report when it is rejected
   * @return the owner id, unchanged
   */
  public static String require(String owner, String field) {
    if (owner == null || owner.isBlank()) {
      throw new InvalidFieldException(field, field + " is required");
    }
    if (owner.length() > MAX_LENGTH) {
      throw new InvalidFieldException(
          field, field + " is longer than " + MAX_LENGTH + " characters");
    }
    if (owner.chars().anyMatch(Character::isISOControl)) {
      throw new InvalidFieldException(field, field + " contains control characters");
    }
    return owner;
  }
}
