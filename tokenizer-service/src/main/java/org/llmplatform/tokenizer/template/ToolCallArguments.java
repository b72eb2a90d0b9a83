package org.llmplatform.tokenizer.template;

import com.hubspot.jinjava.objects.collections.PyMap;
import com.hubspot.jinjava.objects.serialization.PyishSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arguments of a past tool call ({@code tool_call.function.arguments}) given as a mapping, as
 * Hugging Face's {@code apply_chat_template} expects them: a mapping to the template ({@code
 * tojson}, {@code items()}, {@code is mapping}), whose text is its JSON (Python's {@code
 * json.dumps} format) where the template uses it as a string ({@code +}, {@code ~}, {@code {{ }}},
 * {@code string}); a Jinjava {@code PyMap}, so {@code items()} and {@code keys()} work as on any
 * mapping. Templates written for arguments as a JSON string, such as DeepSeek-V3's ({@code
 * '```json\n' + tool['function']['arguments']}), so get the text they expect, where Python's Jinja
 * raises and transformers.js writes {@code [object Map]}.
 */
public final class ToolCallArguments extends PyMap implements PyishSerializable {

  private ToolCallArguments(Map<?, ?> arguments) {
    super(copy(arguments));
  }

  /** A Python dict's keys are strings here: JSON object keys. */
  private static Map<String, Object> copy(Map<?, ?> arguments) {
    Map<String, Object> copy = new LinkedHashMap<>();
    arguments.forEach((key, value) -> copy.put(String.valueOf(key), value));
    return copy;
  }

  /**
   * {@code toolCalls} with the {@code function.arguments} of each call that has them as a mapping
   * given as {@link ToolCallArguments}; everything else as it is.
   */
  public static List<Object> inToolCalls(List<?> toolCalls) {
    List<Object> out = new ArrayList<>(toolCalls.size());
    for (Object call : toolCalls) {
      if (call instanceof Map<?, ?> callMap
          && callMap.get("function") instanceof Map<?, ?> function
          && function.get("arguments") instanceof Map<?, ?> arguments) {
        Map<Object, Object> functionCopy = new LinkedHashMap<>(function);
        functionCopy.put("arguments", new ToolCallArguments(arguments));
        Map<Object, Object> callCopy = new LinkedHashMap<>(callMap);
        callCopy.put("function", functionCopy);
        out.add(callCopy);
      } else {
        out.add(call);
      }
    }
    return out;
  }

  /** The JSON text: what {@code +}, {@code ~} and {@code string} write. */
  @Override
  public String toString() {
    return PythonJson.dumps(this, null);
  }

  /** The JSON text: what {@code {{ arguments }}} writes. */
  @Override
  public <T extends Appendable & CharSequence> T appendPyishString(T appendable)
      throws IOException {
    appendable.append(toString());
    return appendable;
  }
}
