package org.llmplatform.api.session;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.regex.Pattern;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * One tool call of an assistant message, as OpenAI writes it: {@code
 * {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}}.
 *
 * @param id the call's id, which the {@code tool} message answering it names as {@code
 *     tool_call_id}; not blank, unique within its message
 * @param type always {@code function}
 * @param function the function called and its arguments
 */
public record ToolCall(
    @JsonProperty("id") String id,
    @JsonProperty("type") String type,
    @JsonProperty("function") Function function) {

  /** The only type of tool call. */
  public static final String FUNCTION = "function";

  public ToolCall {
    if (id == null || id.isBlank()) {
      throw new InvalidFieldException("id", "id is required (not blank)");
    }
    if (!FUNCTION.equals(type)) {
      throw new InvalidFieldException("type", "type must be function");
    }
    if (function == null) {
      throw new InvalidFieldException("function", "function is required");
    }
  }

  /** A call of function {@code name} with {@code arguments} (JSON text). */
  public static ToolCall of(String id, String name, String arguments) {
    return new ToolCall(id, FUNCTION, new Function(name, arguments));
  }

  /**
   * The function a tool call calls.
   *
   * @param name 1 to {@value #MAX_NAME_LENGTH} letters, digits, underscores or hyphens
   * @param arguments the arguments as the model wrote them: a string holding JSON text, kept as it
   *     is (not parsed: a model may write invalid JSON, and the caller sees what it wrote); may be
   *     empty, never null
   */
  public record Function(
      @JsonProperty("name") String name, @JsonProperty("arguments") String arguments) {

    /** Longest function name, in characters (OpenAI's limit). */
    public static final int MAX_NAME_LENGTH = 64;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_NAME_LENGTH + "}");

    public Function {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new InvalidFieldException(
            "name",
            "name must be 1 to " + MAX_NAME_LENGTH + " letters, digits, underscores or hyphens");
      }
      if (arguments == null) {
        throw new InvalidFieldException(
            "arguments", "arguments is required: a string holding JSON text");
      }
    }
  }
}
