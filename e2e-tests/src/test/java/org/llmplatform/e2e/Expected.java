package org.llmplatform.e2e;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the platform must answer, computed from the reference and from the real tokenizer and
 * inference services directly (not through the gateway).
 */
final class Expected {

  private Expected() {}

  /** The greedy continuation as the stack produces it: cut at the model's first eos id. */
  record Greedy(List<Integer> ids, String text, String finishReason) {}

  static Greedy greedy(Platform platform, String model, Reference.Case c) throws Exception {
    JsonNode info =
        Http.getInternal(platform.inference.get(model).url() + "/v1/internal/model").json();
    var eos = new ArrayList<Integer>();
    info.path("eos_ids").forEach(id -> eos.add(id.asInt()));
    var ids = new ArrayList<Integer>();
    String reason = "length";
    for (int id : c.greedyIds()) {
      if (eos.contains(id)) {
        reason = "stop";
        break;
      }
      ids.add(id);
    }
    return new Greedy(ids, detokenize(platform, model, ids), reason);
  }

  static String detokenize(Platform platform, String model, List<Integer> ids) throws Exception {
    ObjectNode body = Http.JSON.createObjectNode();
    body.put("model", model);
    body.set("ids", Http.JSON.valueToTree(ids));
    return Http.postInternal(platform.tokenizer.url() + "/v1/internal/detokenize", body.toString())
        .json()
        .path("text")
        .asString();
  }

  /** The number of prompt ids the chat template renders for {@code messages}. */
  static int chatPromptTokens(Platform platform, String model, List<List<String>> messages)
      throws Exception {
    ObjectNode body = Http.JSON.createObjectNode();
    body.put("model", model);
    var array = body.putArray("messages");
    for (List<String> m : messages) {
      array.addObject().put("role", m.get(0)).put("content", m.get(1));
    }
    body.put("add_generation_prompt", true);
    Http.Answer answer =
        Http.postInternal(platform.tokenizer.url() + "/v1/internal/tokenize", body.toString());
    return answer.json().path("count").asInt();
  }
}
