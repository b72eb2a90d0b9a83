package org.llmplatform.gateway.tools;

import org.llmplatform.gateway.error.ClientRequest;
import tools.jackson.databind.JsonNode;

/**
 * One of a chat request's {@code tools}: {@code {"type":"function","function":{"name",
 * "description","parameters","strict"}}}.
 */
public record Tool(String type, Function function) implements ClientRequest {

  /**
   * @param parameters the JSON Schema of the arguments (absent: no arguments)
   * @param strict accepted; a call the grammar enforces matches the schema either way
   */
  public record Function(String name, String description, JsonNode parameters, Boolean strict)
      implements ClientRequest {

    public Function {
      if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
        throw new IllegalArgumentException(
            "tools.function.name is required: 1 to 64 of a-z, A-Z, 0-9, _ and -");
      }
      if (parameters != null && !parameters.isObject()) {
        throw new IllegalArgumentException(
            "tools.function.parameters must be a JSON Schema object");
      }
    }
  }

  public Tool {
    if (!"function".equals(type)) {
      throw new IllegalArgumentException("tools.type must be function");
    }
    if (function == null) {
      throw new IllegalArgumentException("tools.function is required");
    }
  }

  public String name() {
    return function.name();
  }
}
