package org.llmplatform.tokenizer.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ToolCallFormatTest {

  @Test
  void theTemplateShowsTheFormat() {
    assertThat(
            ToolCallFormat.of(
                "{%- if tools %}<tools>{{ tools }}</tools>{% endif %}"
                    + "<tool_call>\n{\"name\": {{ tool_call.name }}}\n</tool_call>"))
        .isEqualTo("hermes");
    assertThat(ToolCallFormat.of("{{ '[TOOL_CALLS]' }}{{ message.tool_calls | tojson }}"))
        .isEqualTo("mistral");
    assertThat(
            ToolCallFormat.of(
                "<|start_header_id|>assistant<|end_header_id|>{% for tool_call in message.tool_calls"
                    + " %}{\"name\": \"{{ tool_call.name }}\", \"parameters\": {{ args }}}"
                    + "{% endfor %}"))
        .isEqualTo("llama3-json");
  }

  @Test
  void aTemplateWithoutToolsShowsNone() {
    assertThat(ToolCallFormat.of("{% for m in messages %}{{ m.content }}{% endfor %}")).isNull();
    assertThat(ToolCallFormat.of(null)).isNull();
  }
}
