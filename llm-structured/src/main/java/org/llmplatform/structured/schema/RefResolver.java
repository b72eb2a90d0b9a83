package org.llmplatform.structured.schema;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;

/**
 * Resolves {@code $ref} JSON pointers within the schema document ({@code #}, {@code #/$defs/x}).
 */
final class RefResolver {
  private final JsonNode root;
  private final String rootId;

  RefResolver(JsonNode root) {
    this.root = root;
    String id = root.isObject() ? root.path("$id").asString(root.path("id").asString("")) : "";
    this.rootId = id.contains("#") ? id.substring(0, id.indexOf('#')) : id;
  }

  JsonNode root() {
    return root;
  }

  JsonNode resolve(String ref) {
    int hash = ref.indexOf('#');
    String base = hash < 0 ? ref : ref.substring(0, hash);
    String fragment = hash < 0 ? "" : ref.substring(hash + 1);
    if (!base.isEmpty() && !base.equals(rootId)) {
      throw new UnsupportedSchemaException("$ref", "reference outside the document: " + ref);
    }
    if (fragment.isEmpty()) {
      return root;
    }
    if (!fragment.startsWith("/")) {
      throw new UnsupportedSchemaException("$ref", "anchor reference " + ref);
    }
    JsonNode at = root;
    for (String raw : fragment.substring(1).split("/", -1)) {
      String part =
          URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8)
              .replace("~1", "/")
              .replace("~0", "~");
      if (at.isArray()) {
        try {
          at = at.path(Integer.parseInt(part));
        } catch (NumberFormatException e) {
          at = null;
        }
      } else {
        at = at.get(part);
      }
      if (at == null || at.isMissingNode()) {
        throw new UnsupportedSchemaException("$ref", "unresolved reference " + ref);
      }
    }
    return at;
  }

  /** True for drafts 3 and 4, where {@code 1.0} is not an integer. */
  boolean integersWithoutFraction() {
    String schema = root.isObject() ? root.path("$schema").asString("") : "";
    return schema.contains("draft-03") || schema.contains("draft-04");
  }

  /** True for drafts 3 to 7, where keywords beside {@code $ref} are ignored. */
  boolean legacyDraft() {
    String schema = root.isObject() ? root.path("$schema").asString("") : "";
    return java.util.stream.Stream.of("draft-03", "draft-04", "draft-05", "draft-06", "draft-07")
        .anyMatch(schema::contains);
  }
}
