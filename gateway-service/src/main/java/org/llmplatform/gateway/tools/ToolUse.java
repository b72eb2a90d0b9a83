package org.llmplatform.gateway.tools;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmplatform.api.inference.OutputConstraint;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.generation.ChoiceEvent;
import org.llmplatform.gateway.generation.ConstrainedOutput;
import org.llmplatform.gateway.model.ServedModel;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A chat request's tools: what the chat template shows the model, the grammar that makes its calls
 * valid (the whole answer with {@code required} or a named function; from the format's opener on
 * with {@code auto}), and the reading of its calls out of the answer.
 *
 * @param parallel more than one call per answer allowed ({@code parallel_tool_calls}, default true)
 */
public record ToolUse(List<Tool> tools, ToolChoice choice, boolean parallel) {

  public static final int MAX_TOOLS = 128;

  public ToolUse {
    tools = List.copyOf(tools);
  }

  /**
   * The request's tool fields, checked (400 naming the field); null when it has none or {@code
   * tool_choice} is {@code none}.
   */
  public static ToolUse of(List<Tool> tools, Object toolChoice, Boolean parallelToolCalls) {
    ToolChoice choice = ToolChoice.of(toolChoice);
    if (tools == null || tools.isEmpty()) {
      if (choice != null && choice.calls()) {
        throw new IllegalArgumentException("tool_choice needs tools");
      }
      return null;
    }
    if (tools.size() > MAX_TOOLS) {
      throw new IllegalArgumentException("tools may hold at most " + MAX_TOOLS + " tools");
    }
    var names = new HashSet<String>();
    for (Tool tool : tools) {
      if (!names.add(tool.name())) {
        throw new IllegalArgumentException("tools name " + tool.name() + " twice");
      }
    }
    if (choice != null && choice.function() != null && !names.contains(choice.function())) {
      throw new IllegalArgumentException(
          "tool_choice names " + choice.function() + ", which is not one of the tools");
    }
    if (choice != null && !choice.calls()) {
      return null;
    }
    return new ToolUse(
        tools, choice == null ? ToolChoice.AUTO : choice, !Boolean.FALSE.equals(parallelToolCalls));
  }

  /** The model's format; 400 when the model does not call tools. */
  public ToolCallFormat format(ServedModel model) {
    if (model.toolCallFormat() == null) {
      throw ApiException.invalidRequest(
          "tools",
          "the model "
              + model.name()
              + " does not call tools: its chat template shows no tool-call format (set"
              + " llm.gateway.models."
              + model.name()
              + ".tool-call-format if it has one)");
    }
    return ToolCallFormat.named(model.toolCallFormat());
  }

  /** The tools as chat templates read them ({@code tools} of apply_chat_template). */
  public List<Map<String, Object>> templateTools(JsonMapper json) {
    var out = new ArrayList<Map<String, Object>>();
    for (Tool tool : tools) {
      var function = new LinkedHashMap<String, Object>();
      function.put("name", tool.name());
      if (tool.function().description() != null) {
        function.put("description", tool.function().description());
      }
      function.put("parameters", json.treeToValue(parameters(tool, json), Map.class));
      // ordered maps: a template that writes the tools as JSON writes them the same way every time
      // (Map.of's order changes with each JVM start, and so would the prompt)
      var entry = new LinkedHashMap<String, Object>();
      entry.put("type", "function");
      entry.put("function", function);
      out.add(entry);
    }
    return out;
  }

  /**
   * The grammar of the calls in the model's format: with {@code required} (or a named function) the
   * answer is calls only; with {@code auto} the model writes freely and a call is enforced from the
   * format's opener on. Null where the format cannot be enforced (mistral's opener is a special
   * token; llama3-json has no opener to trigger on under {@code auto}).
   */
  public ConstrainedOutput constraint(ToolCallFormat format, JsonMapper json) {
    if (format.grammarOpener() == null
        || (!choice.required() && format.grammarOpener().isEmpty())) {
      return null;
    }
    var calls =
        new OutputConstraint.ToolCalls(
            json.writeValueAsString(callSchema(format, json)),
            format.grammarOpener(),
            format.grammarCloser(),
            choice.required(),
            parallel);
    return new ConstrainedOutput(
        new OutputConstraint(OutputConstraint.TOOL_CALLS, null, null, null, calls), "tools");
  }

  /** Reads each choice's calls out of its text, batch by batch. */
  public Flux<List<ChoiceEvent>> parse(
      Flux<List<ChoiceEvent>> batches, ToolCallFormat format, JsonMapper json) {
    return Flux.defer(
        () -> {
          var parsers = new LinkedHashMap<Integer, ToolCallParser>();
          return batches
              .map(
                  batch -> {
                    var out = new ArrayList<ChoiceEvent>(batch.size());
                    for (ChoiceEvent e : batch) {
                      for (var parsed :
                          parsers
                              .computeIfAbsent(e.index(), i -> new ToolCallParser(format, json))
                              .next(e.event())) {
                        out.add(new ChoiceEvent(e.index(), parsed));
                      }
                    }
                    return (List<ChoiceEvent>) out;
                  })
              .filter(batch -> !batch.isEmpty());
        });
  }

  /** One call's JSON: the name of an allowed tool and that tool's arguments. */
  private JsonNode callSchema(ToolCallFormat format, JsonMapper json) {
    ArrayNode anyOf = json.createArrayNode();
    for (Tool tool : tools) {
      if (choice.function() != null && !choice.function().equals(tool.name())) {
        continue;
      }
      ObjectNode call = json.createObjectNode();
      call.put("type", "object");
      ObjectNode properties = call.putObject("properties");
      properties.putObject("name").put("const", tool.name());
      properties.set(format.argumentsKey(), closed(parameters(tool, json).deepCopy()));
      call.putArray("required").add("name").add(format.argumentsKey());
      call.put("additionalProperties", false);
      anyOf.add(call);
    }
    if (anyOf.size() == 1) {
      return anyOf.get(0);
    }
    ObjectNode schema = json.createObjectNode();
    schema.set("anyOf", anyOf);
    return schema;
  }

  /**
   * The arguments' schema as the grammar enforces it: an object that declares its properties and
   * says nothing of others takes no others ({@code additionalProperties: false}, as OpenAI's strict
   * mode asks of every tool), so the model fills the declared names instead of inventing names
   * without end. What validates against this validates against the tool's own schema.
   */
  private static JsonNode closed(JsonNode schema) {
    if (schema instanceof ObjectNode object) {
      if (object.has("properties") && !object.has("additionalProperties")) {
        object.put("additionalProperties", false);
      }
      for (String key : List.of("properties", "$defs", "definitions")) {
        if (object.get(key) instanceof ObjectNode children) {
          children.propertyNames().forEach(name -> closed(children.get(name)));
        }
      }
      for (String key : List.of("items", "additionalProperties")) {
        closed(object.get(key));
      }
      for (String key : List.of("anyOf", "oneOf", "allOf", "prefixItems")) {
        if (object.get(key) instanceof ArrayNode alternatives) {
          alternatives.forEach(ToolUse::closed);
        }
      }
    }
    return schema;
  }

  private static JsonNode parameters(Tool tool, JsonMapper json) {
    JsonNode parameters = tool.function().parameters();
    if (parameters != null) {
      return parameters;
    }
    ObjectNode none = json.createObjectNode();
    none.put("type", "object");
    none.putObject("properties");
    none.put("additionalProperties", false);
    return none;
  }
}
