package org.llmplatform.gateway.completion;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ValueDeserializer;

/**
 * One prompt of a completions request: text to tokenize, or token ids as they are. OpenAI's {@code
 * prompt} is a string, an array of strings, an array of token ids or an array of such arrays; each
 * prompt gets its own set of {@code n} choices.
 *
 * @param text the prompt as text, or null
 * @param ids the prompt as token ids, or null
 */
record CompletionPrompt(String text, List<Integer> ids) {

  CompletionPrompt {
    if ((text == null) == (ids == null)) {
      throw new IllegalArgumentException("prompt must be text or token ids");
    }
    ids = ids == null ? null : List.copyOf(ids);
  }

  /** Reads {@code prompt} in any of its four shapes; anything else is 400 naming it. */
  static final class Reader extends ValueDeserializer<List<CompletionPrompt>> {

    private static final String SHAPES =
        "prompt must be a string, an array of strings, an array of token ids or an array of"
            + " arrays of token ids";

    @Override
    public List<CompletionPrompt> deserialize(JsonParser parser, DeserializationContext context) {
      JsonNode node = context.readTree(parser);
      if (node.isString()) {
        return List.of(new CompletionPrompt(node.asString(), null));
      }
      if (!node.isArray() || node.isEmpty()) {
        throw new IllegalArgumentException(SHAPES);
      }
      if (node.get(0).isIntegralNumber()) {
        return List.of(new CompletionPrompt(null, ids(node)));
      }
      var prompts = new ArrayList<CompletionPrompt>(node.size());
      for (JsonNode item : node) {
        if (item.isString()) {
          prompts.add(new CompletionPrompt(item.asString(), null));
        } else if (item.isArray() && !item.isEmpty()) {
          prompts.add(new CompletionPrompt(null, ids(item)));
        } else {
          throw new IllegalArgumentException(SHAPES);
        }
      }
      return prompts;
    }

    private static List<Integer> ids(JsonNode array) {
      var ids = new ArrayList<Integer>(array.size());
      for (JsonNode id : array) {
        if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
          throw new IllegalArgumentException("prompt token ids must be non-negative integers");
        }
        ids.add(id.asInt());
      }
      return ids;
    }
  }
}
