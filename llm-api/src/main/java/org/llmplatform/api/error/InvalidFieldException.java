package org.llmplatform.api.error;

/**
 * A request field that breaks a rule of the API: the services answer 400 {@code invalid_request}
 * with {@link #param()} as the error's {@code param} and {@link #getMessage()} as its message.
 *
 * <p>The field is named relative to the record that rejects it ({@code role} in a message record):
 * a service that read the record from inside a body (at {@code messages[1]}) reports {@code
 * messages[1].role}. The message is a sentence for the client that starts with that name ({@code
 * "role must be one of …"}), so it reads with the full path in front as well.
 */
public class InvalidFieldException extends IllegalArgumentException {

  private final String param;

  /**
   * @param param the field's JSON name or path, or null when no single field is at fault
   * @param message what is wrong, for the client
   */
  public InvalidFieldException(String param, String message) {
    super(message);
    this.param = param;
  }

  /** The field's JSON name or path ({@code ids}, {@code constraint.type}), or null. */
  public String param() {
    return param;
  }
}
