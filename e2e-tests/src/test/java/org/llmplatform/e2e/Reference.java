package org.llmplatform.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** A model's {@code reference.json}: prompts with their ids and greedy continuation ids. */
record Reference(List<Case> cases) {

  record Case(String prompt, List<Integer> promptIds, List<Integer> greedyIds) {}

  static Reference of(Path modelDir) {
    JsonNode root = Http.JSON.readTree(modelDir.resolve("reference.json").toFile());
    var cases = new ArrayList<Case>();
    for (JsonNode c : root.path("cases")) {
      cases.add(
          new Case(
              c.path("prompt").asString(), ints(c.path("prompt_ids")), ints(c.path("greedy_ids"))));
    }
    return new Reference(cases);
  }

  private static List<Integer> ints(JsonNode array) {
    var ids = new ArrayList<Integer>();
    array.forEach(id -> ids.add(id.asInt()));
    return ids;
  }
}
