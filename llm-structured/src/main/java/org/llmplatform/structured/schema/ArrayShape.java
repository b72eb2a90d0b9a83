package org.llmplatform.structured.schema;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.structured.automaton.Nfa;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.BooleanNode;

/** A JSON array: prefix items, then items of one schema, between minItems and maxItems. */
final class ArrayShape {
  /** The largest item count tracked one by one ({@code minItems}, {@code maxItems}, prefixes). */
  static final int MAX_COUNTED = 1000;

  private ArrayShape() {}

  static void emit(SchemaCompiler c, JsonNode s, Nfa n, int from, int to) {
    refuse(s);
    List<JsonNode> prefix = new ArrayList<>();
    JsonNode rest;
    JsonNode items = s.get("items");
    if (s.has("prefixItems")) {
      s.get("prefixItems").forEach(prefix::add);
      rest = items == null ? BooleanNode.TRUE : items;
    } else if (items != null && items.isArray()) {
      items.forEach(prefix::add);
      rest = s.has("additionalItems") ? s.get("additionalItems") : BooleanNode.TRUE;
    } else {
      rest = items == null ? BooleanNode.TRUE : items;
    }
    int min = s.path("minItems").asInt(0);
    int max = s.has("maxItems") ? s.get("maxItems").asInt() : -1;
    boolean restAllowed = !(rest.isBoolean() && !rest.asBoolean());
    if (!restAllowed) {
      max = max < 0 ? prefix.size() : Math.min(max, prefix.size());
    }
    if (max >= 0 && max < min) {
      return; // no array satisfies it
    }
    int counted = Math.max(prefix.size(), min);
    if (max >= 0) {
      counted = max;
    } else {
      counted = Math.max(counted, 1); // the loop on the last count needs a comma before it
    }
    if (counted > MAX_COUNTED) {
      throw new UnsupportedSchemaException(
          max >= 0 ? "maxItems" : "minItems", "item counts over " + MAX_COUNTED);
    }
    int ws = c.whitespace();
    int[] after = new int[counted + 1]; // after[j]: j items so far, white space taken
    for (int j = 0; j <= counted; j++) {
      after[j] = n.newState();
    }
    int open = n.newState();
    n.addByte(from, '[', open);
    n.addCall(open, ws, after[0]);
    for (int j = 0; j <= counted; j++) {
      if (j >= min) {
        n.addByte(after[j], ']', to);
      }
      boolean more = max < 0 || j < max;
      if (!more) {
        continue;
      }
      JsonNode itemSchema = j < prefix.size() ? prefix.get(j) : rest;
      int item = c.ruleFor(itemSchema);
      int start = after[j];
      if (j > 0) {
        int comma = n.newState();
        n.addByte(after[j], ',', comma);
        start = n.newState();
        n.addCall(comma, ws, start);
      }
      int done = n.newState();
      n.addCall(start, item, done);
      int target = j < counted ? after[j + 1] : after[counted];
      n.addCall(done, ws, target);
    }
  }

  private static void refuse(JsonNode s) {
    JsonNode unique = s.get("uniqueItems");
    if (unique != null && unique.asBoolean(false) && s.path("maxItems").asInt(2) > 1) {
      throw new UnsupportedSchemaException("uniqueItems", "not enforced");
    }
    if (s.has("contains")) {
      throw new UnsupportedSchemaException("contains", "not enforced");
    }
    JsonNode u = s.get("unevaluatedItems");
    if (u != null && !(u.isBoolean() && u.asBoolean())) {
      throw new UnsupportedSchemaException("unevaluatedItems", "not enforced");
    }
  }
}
