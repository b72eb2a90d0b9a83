package org.llmplatform.gateway.generation;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.llmplatform.gateway.error.ClientRequest;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI's {@code response_format}: {@code {"type":"text"}}, {@code {"type":"json_object"}} or
 * {@code {"type":"json_schema","json_schema":{"name","description","schema","strict"}}}. The schema
 * is always enforced while decoding ({@code strict: false} does not loosen it).
 */
public record ResponseFormat(String type, @JsonProperty("json_schema") JsonSchema jsonSchema)
    implements ClientRequest {

  public ResponseFormat {
    if (type == null) {
      throw new IllegalArgumentException(
          "response_format.type is required: text, json_object or json_schema");
    }
    switch (type) {
      case "text", "json_object" -> {
        if (jsonSchema != null) {
          throw new IllegalArgumentException(
              "response_format.json_schema goes only with type json_schema");
        }
      }
      case "json_schema" -> {
        if (jsonSchema == null) {
          throw new IllegalArgumentException(
              "response_format.json_schema is required with type json_schema");
        }
      }
      default ->
          throw new IllegalArgumentException(
              "response_format.type must be text, json_object or json_schema, not " + type);
    }
  }

  /**
   * @param name the schema's name (OpenAI: a-z, A-Z, 0-9, _ and -, at most 64)
   * @param schema the JSON Schema the output must match
   * @param strict accepted; the schema is enforced either way
   */
  public record JsonSchema(String name, String description, JsonNode schema, Boolean strict)
      implements ClientRequest {

    public JsonSchema {
      if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
        throw new IllegalArgumentException(
            "response_format.json_schema.name is required: 1 to 64 of a-z, A-Z, 0-9, _ and -");
      }
      if (schema == null || !(schema.isObject() || schema.isBoolean())) {
        throw new IllegalArgumentException(
            "response_format.json_schema.schema is required: a JSON Schema object");
      }
    }
  }
}
