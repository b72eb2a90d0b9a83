package org.llmplatform.tokenizer.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tool call arguments given as a mapping (what Hugging Face's apply_chat_template users pass, and
 * the gateway when the client's arguments are a JSON object): a mapping to templates that treat
 * them as one (Llama 3.1's and Qwen3's {@code tojson}), their JSON text to templates that treat
 * them as a string (DeepSeek-V3's concatenation).
 */
class ToolCallArgumentsTest {

  private final ChatTemplateRenderer renderer = new ChatTemplateRenderer();

  private static Map<String, Object> call(Object arguments) {
    Map<String, Object> function = new LinkedHashMap<>();
    function.put("name", "get_weather");
    function.put("arguments", arguments);
    Map<String, Object> call = new LinkedHashMap<>();
    call.put("id", "call_1");
    call.put("type", "function");
    call.put("function", function);
    return call;
  }

  private static Map<String, Object> parisArguments() {
    Map<String, Object> arguments = new LinkedHashMap<>();
    arguments.put("city", "Paris");
    arguments.put("days", 2);
    arguments.put("units", List.of("°C", "km/h"));
    return arguments;
  }

  private String render(String template, Object arguments) {
    Map<String, Object> variables = new HashMap<>();
    variables.put("tool_calls", ToolCallArguments.inToolCalls(List.of(call(arguments))));
    return renderer.render(template, variables);
  }

  @Test
  void aMappingUsedAsTextIsItsJson() {
    String json = "{\"city\": \"Paris\", \"days\": 2, \"units\": [\"°C\", \"km/h\"]}";
    String template =
        "{% set c = tool_calls[0] %}{{ '```json\\n' + c['function']['arguments'] + '\\n```' }}|"
            + "{{ c.function.arguments ~ '' }}|{{ c.function.arguments }}|"
            + "{{ c.function.arguments | string }}";
    assertThat(render(template, parisArguments()))
        .isEqualTo("```json\n" + json + "\n```|" + json + "|" + json + "|" + json);
  }

  @Test
  void aMappingIsStillAMapping() {
    String template =
        "{% set a = tool_calls[0].function.arguments %}{{ a | tojson }}|{{ a is mapping }}"
            + "|{{ a is string }}|{{ a.city }}|{{ a['days'] }}|{{ a | length }}"
            + "|{% for k, v in a.items() %}{{ k }}={{ v | tojson }};{% endfor %}"
            + "|{% for k in a %}{{ k }},{% endfor %}";
    assertThat(render(template, parisArguments()))
        .isEqualTo(
            "{\"city\": \"Paris\", \"days\": 2, \"units\": [\"°C\", \"km/h\"]}|true|false|Paris|2|3"
                + "|city=\"Paris\";days=2;units=[\"°C\", \"km/h\"];|city,days,units,");
  }

  @Test
  void argumentsGivenAsTextStayText() {
    String template =
        "{% set a = tool_calls[0].function.arguments %}{{ a is string }}|{{ a }}|{{ a | tojson }}";
    assertThat(render(template, "{\"city\": \"Paris\"}"))
        .isEqualTo("true|{\"city\": \"Paris\"}|\"{\\\"city\\\": \\\"Paris\\\"}\"");
  }

  @Test
  void callsAreCopiedNotChanged() {
    Map<String, Object> call = call(parisArguments());
    List<Object> calls = ToolCallArguments.inToolCalls(List.of(call, "not a call", Map.of()));
    assertThat(calls.get(0)).isNotSameAs(call).isEqualTo(call);
    assertThat(((Map<?, ?>) call.get("function")).get("arguments"))
        .isNotInstanceOf(ToolCallArguments.class);
    assertThat(calls.subList(1, 3)).containsExactly("not a call", Map.of());
  }
}
