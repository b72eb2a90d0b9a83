package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * What a generation's output must match, enforced while decoding (llm-structured's grammar engine).
 * Exactly one of the fields that go with {@code type} is set.
 *
 * @param type {@value #JSON_SCHEMA}, {@value #JSON_OBJECT}, {@value #REGEX} or {@value #CHOICE}
 * @param schema the JSON Schema as JSON text, with {@value #JSON_SCHEMA}
 * @param pattern the regular expression the whole output matches, with {@value #REGEX}
 * @param choices the outputs allowed, with {@value #CHOICE}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OutputConstraint(
    @JsonProperty("type") String type,
    @JsonProperty("schema") String schema,
    @JsonProperty("pattern") String pattern,
    @JsonProperty("choices") List<String> choices) {

  public static final String JSON_SCHEMA = "json_schema";
  public static final String JSON_OBJECT = "json_object";
  public static final String REGEX = "regex";
  public static final String CHOICE = "choice";

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
              choices != null && !choices.isEmpty() && !choices.contains(null),
              "choices",
              "choices must be a non-empty list of strings for type choice");
      default ->
          throw new InvalidFieldException(
              "type", "type must be json_schema, json_object, regex or choice");
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
