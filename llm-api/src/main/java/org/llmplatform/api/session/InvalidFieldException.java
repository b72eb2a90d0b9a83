package org.llmplatform.api.session;

/**
 * A wire record rejected one of its fields; {@link #field()} names it in JSON (snake_case), so a
 * service can answer 400 with {@code param} set.
 */
public class InvalidFieldException extends IllegalArgumentException {

  private final String field;

  public InvalidFieldException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** The JSON name of the rejected field, relative to the record that rejected it. */
  public String field() {
    return field;
  }

  /** The explanation without the field name in front. */
  public String reason() {
    return getMessage().substring(field.length() + 2);
  }
}
