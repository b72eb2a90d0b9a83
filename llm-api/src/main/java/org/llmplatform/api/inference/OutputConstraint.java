package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * What a generation's output must match, enforced while decoding (llm-structured's grammar engine).
 * Exactly one of the fields that go with {@code type} is set.
 *
 * @param type {@value #JSON_SCHEMA}, {@value #JSON_OBJECT}, {@value #REGEX}, {@value #CHOICE} or
 *     {@value #TOOL_CALLS}
 * @param schema the JSON Schema as JSON text, with {@value #JSON_SCHEMA}
 * @param pattern the regular expression the whole output matches, with {@value #REGEX}
 * @param choices the outputs allowed, with {@value #CHOICE}
 * @param toolCalls how the model writes tool calls and what each must match, with {@value
 *     #TOOL_CALLS}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OutputConstraint(
    @JsonProperty("type") String type,
    @JsonProperty("schema") String schema,
    @JsonProperty("pattern") String pattern,
    @JsonProperty("choices") List<String> choices,
    @JsonProperty("tool_calls") ToolCalls toolCalls) {

  /**
   * Tool calls in a model family's own format: each call is {@code opener}, a JSON value matching
   * {@code schema} (the gateway builds it: the function's name and its arguments' schema, for each
   * tool allowed), then {@code closer}.
   *
   * @param schema the JSON Schema of one call's JSON, as JSON text
   * @param opener the text that opens a call (hermes: {@code "<tool_call>\n"}; may be empty when
   *     the whole output is the call, as llama3-json's)
   * @param closer the text that closes a call (hermes: {@code "\n</tool_call>"}; may be empty)
   * @param required true: the output is calls only (tool_choice required or a named function), the
   *     first at once; false ({@code auto}): free text until the model writes {@code opener} (a
   *     lazy grammar, triggered by it), then the call is enforced, then free text again
   * @param parallel more than one call allowed (one after the other, a newline between them)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ToolCalls(
      @JsonProperty("schema") String schema,
      @JsonProperty("opener") String opener,
      @JsonProperty("closer") String closer,
      @JsonProperty("required") boolean required,
      @JsonProperty("parallel") boolean parallel) {

    public ToolCalls {
      if (schema == null) {
        throw new InvalidFieldException("schema", "schema is required");
      }
      opener = opener == null ? "" : opener;
      closer = closer == null ? "" : closer;
      if (!required && opener.isEmpty()) {
        throw new InvalidFieldException(
            "opener", "opener is required when calls are not required (it triggers the grammar)");
      }
    }
  }

  /** A constraint without tool calls. */
  public OutputConstraint(String type, String schema, String pattern, List<String> choices) {
    this(type, schema, pattern, choices, null);
  }

  public static final String JSON_SCHEMA = "json_schema";
  public static final String JSON_OBJECT = "json_object";
  public static final String REGEX = "regex";
  public static final String CHOICE = "choice";
  public static final String TOOL_CALLS = "tool_calls";

  public OutputConstraint {
    if (type == null) {
      throw new InvalidFieldException("type", "type is required");
    }
    switch (type) {
      case JSON_SCHEMA ->
          require(schema != null, "schema", "schema is required for type json_schema");
      case JSON_OBJECT -> {}
      case REGEX -> require(pattern != null, "pattern", "pattern is required for type regex");
      case CHOICE ->
          require(
              choices != null && !choices.isEmpty() && choices.stream().noneMatch(Objects::isNull),
              "choices",
              "choices must be a non-empty list of strings for type choice");
      case TOOL_CALLS ->
          require(toolCalls != null, "tool_calls", "tool_calls is required for type tool_calls");
      default ->
          throw new InvalidFieldException(
              "type", "type must be json_schema, json_object, regex, choice or tool_calls");
    }
    choices = choices == null ? null : List.copyOf(choices);
  }

  public static OutputConstraint jsonSchema(String schemaJson) {
    return new OutputConstraint(JSON_SCHEMA, schemaJson, null, null);
  }

  public static OutputConstraint jsonObject() {
    return new OutputConstraint(JSON_OBJECT, null, null, null);
  }

  private static void require(boolean ok, String param, String message) {
    if (!ok) {
      throw new InvalidFieldException(param, message);
    }
  }
}
