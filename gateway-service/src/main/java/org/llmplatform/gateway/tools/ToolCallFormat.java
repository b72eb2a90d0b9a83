package org.llmplatform.gateway.tools;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.gateway.message.ToolCall;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a model family writes tool calls, and how the gateway reads them back.
 *
 * <ul>
 *   <li>{@code hermes} (Qwen 2.5/3, Hermes): {@code <tool_call>\n{"name": …, "arguments": {…}}\n
 *       </tool_call>}, one block per call, text before it is content;
 *   <li>{@code llama3-json} (Llama 3.1/3.2): the whole answer is {@code {"name": …, "parameters":
 *       {…}}};
 *   <li>{@code mistral}: {@code [TOOL_CALLS][{"name": …, "arguments": {…}}, …]}.
 * </ul>
 *
 * @param opener the text that starts the calls ("" : the answer starts with the call's JSON)
 * @param closer the text that ends one call ("" : the call runs to the end of the answer)
 * @param argumentsKey the key of the arguments in the call's JSON
 * @param array the calls are one JSON array, not one object per block
 * @param grammarOpener the opener as the grammar writes it (null: the format is not enforced,
 *     mistral's opener being a special token that spells nothing)
 * @param grammarCloser the closer as the grammar writes it
 */
public record ToolCallFormat(
    String name,
    String opener,
    String closer,
    String argumentsKey,
    boolean array,
    String grammarOpener,
    String grammarCloser) {

  public static final ToolCallFormat HERMES =
      new ToolCallFormat(
          "hermes",
          "<tool_call>",
          "</tool_call>",
          "arguments",
          false,
          "<tool_call>\n",
          "\n</tool_call>");
  public static final ToolCallFormat LLAMA3_JSON =
      new ToolCallFormat("llama3-json", "", "", "parameters", false, "", "");
  public static final ToolCallFormat MISTRAL =
      new ToolCallFormat("mistral", "[TOOL_CALLS]", "", "arguments", true, null, null);

  /** The format named {@code name} (as configured or as tokenizer-service detected it). */
  public static ToolCallFormat named(String name) {
    return switch (name) {
      case "hermes" -> HERMES;
      case "llama3-json" -> LLAMA3_JSON;
      case "mistral" -> MISTRAL;
      default -> throw new IllegalArgumentException("unknown tool-call format " + name);
    };
  }

  /**
   * The calls in one call's text (between opener and closer), or null when it is not a call (then
   * it is shown as text).
   */
  List<ToolCall> parse(String text, JsonMapper json, CallIds ids) {
    String body = text.strip();
    if (body.startsWith("<|python_tag|>")) {
      body = body.substring("<|python_tag|>".length()).strip();
    }
    JsonNode node;
    try {
      node = json.readTree(body);
    } catch (JacksonException notJson) {
      return null;
    }
    var calls = new ArrayList<ToolCall>();
    for (JsonNode call : array && node.isArray() ? node : List.of(node)) {
      ToolCall parsed = call(call, json, ids);
      if (parsed == null) {
        return null;
      }
      calls.add(parsed);
    }
    return calls.isEmpty() ? null : calls;
  }

  private ToolCall call(JsonNode call, JsonMapper json, CallIds ids) {
    if (call == null || !call.isObject() || !call.path("name").isString()) {
      return null;
    }
    JsonNode arguments = call.get(argumentsKey);
    if (arguments == null) {
      arguments = call.get(argumentsKey.equals("arguments") ? "parameters" : "arguments");
    }
    String text =
        arguments == null
            ? "{}"
            : arguments.isString() ? arguments.asString() : json.writeValueAsString(arguments);
    return ToolCall.of(ids.next(), call.get("name").asString(), text);
  }
}
