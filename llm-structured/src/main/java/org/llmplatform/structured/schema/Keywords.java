package org.llmplatform.structured.schema;

import java.util.Set;

/** Which JSON Schema keywords constrain instances, and of which type. */
final class Keywords {
  private Keywords() {}

  static final Set<String> OBJECT =
      Set.of(
          "properties",
          "required",
          "additionalProperties",
          "patternProperties",
          "minProperties",
          "maxProperties",
          "propertyNames",
          "dependencies",
          "dependentRequired",
          "dependentSchemas",
          "unevaluatedProperties");
  static final Set<String> ARRAY =
      Set.of(
          "items",
          "prefixItems",
          "additionalItems",
          "minItems",
          "maxItems",
          "uniqueItems",
          "contains",
          "minContains",
          "maxContains",
          "unevaluatedItems");
  static final Set<String> STRING = Set.of("minLength", "maxLength", "pattern", "format");
  static final Set<String> NUMBER =
      Set.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf");
  static final Set<String> GENERAL =
      Set.of(
          "type",
          "enum",
          "const",
          "anyOf",
          "oneOf",
          "allOf",
          "not",
          "if",
          "then",
          "else",
          "$ref",
          "$dynamicRef",
          "$recursiveRef");

  /** True when the keyword constrains instances (annotations and unknown keywords do not). */
  static boolean constrains(String keyword) {
    return OBJECT.contains(keyword)
        || ARRAY.contains(keyword)
        || STRING.contains(keyword)
        || NUMBER.contains(keyword)
        || GENERAL.contains(keyword);
  }
}
