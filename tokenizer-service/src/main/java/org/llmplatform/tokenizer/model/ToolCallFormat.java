package org.llmplatform.tokenizer.model;

/**
 * How a model writes tool calls, read off the chat template it renders tools with: the template
 * shows the model the format it was trained on. The names are the gateway's ({@code
 * llm.gateway.models.<name>.tool-call-format}).
 */
final class ToolCallFormat {

  private ToolCallFormat() {}

  /**
   * {@code hermes} ({@code <tool_call>{"name","arguments"}</tool_call>}: Qwen 2.5/3, Hermes),
   * {@code mistral} ({@code [TOOL_CALLS][…]}), {@code llama3-json} (Llama 3.1/3.2: a JSON object
   * with {@code name} and {@code parameters}), or null when the template shows none.
   */
  static String of(String template) {
    if (template == null) {
      return null;
    }
    if (template.contains("<tool_call>")) {
      return "hermes";
    }
    if (template.contains("[TOOL_CALLS]")) {
      return "mistral";
    }
    if (template.contains("<|start_header_id|>")
        && template.contains("\"parameters\"")
        && template.contains("tool_calls")) {
      return "llama3-json";
    }
    return null;
  }
}
