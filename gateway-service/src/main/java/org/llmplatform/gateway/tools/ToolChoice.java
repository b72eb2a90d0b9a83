package org.llmplatform.gateway.tools;

import java.util.Map;

/**
 * A chat request's {@code tool_choice}: {@code none}, {@code auto}, {@code required} or {@code
 * {"type":"function","function":{"name"}}}.
 *
 * @param mode none, auto or required (a named function is required)
 * @param function the function the model must call, or null
 */
public record ToolChoice(String mode, String function) {

  public static final ToolChoice AUTO = new ToolChoice("auto", null);

  /** The client's value (a string or an object, as JSON gives it); null: absent. */
  public static ToolChoice of(Object value) {
    return switch (value) {
      case null -> null;
      case String s when s.equals("none") || s.equals("auto") || s.equals("required") ->
          new ToolChoice(s, null);
      case Map<?, ?> map
          when "function".equals(map.get("type"))
              && map.get("function") instanceof Map<?, ?> f
              && f.get("name") instanceof String name
              && map.size() == 2
              && f.size() == 1 ->
          new ToolChoice("required", name);
      default ->
          throw new IllegalArgumentException(
              "tool_choice must be none, auto, required or"
                  + " {\"type\":\"function\",\"function\":{\"name\":…}}");
    };
  }

  public boolean calls() {
    return !"none".equals(mode);
  }

  public boolean required() {
    return "required".equals(mode);
  }
}
