package org.llmplatform.gateway.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.llmplatform.gateway.error.ClientRequest;

/**
 * One tool call of an assistant message, as OpenAI writes it: {@code
 * {"id","type":"function","function":{"name","arguments"}}}, the arguments a JSON text.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ToolCall(String id, String type, Function function) implements ClientRequest {

  public record Function(String name, String arguments) implements ClientRequest {
    public Function {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("messages.tool_calls.function.name is required");
      }
      arguments = arguments == null ? "{}" : arguments;
    }
  }

  public ToolCall {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("messages.tool_calls.id is required");
    }
    type = type == null ? "function" : type;
    if (!"function".equals(type)) {
      throw new IllegalArgumentException("messages.tool_calls.type must be function");
    }
    if (function == null) {
      throw new IllegalArgumentException("messages.tool_calls.function is required");
    }
  }

  public static ToolCall of(String id, String name, String arguments) {
    return new ToolCall(id, "function", new Function(name, arguments));
  }
}
