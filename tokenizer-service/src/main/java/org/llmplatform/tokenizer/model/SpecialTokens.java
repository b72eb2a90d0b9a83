package org.llmplatform.tokenizer.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The named special tokens of {@code tokenizer_config.json} (falling back to {@code
 * special_tokens_map.json}): {@code bos_token}, {@code eos_token}… Each is a string or an
 * AddedToken object with a {@code content}.
 */
record SpecialTokens(Map<String, String> named, List<String> additional) {

  static final List<String> NAMES =
      List.of(
          "bos_token",
          "eos_token",
          "unk_token",
          "sep_token",
          "pad_token",
          "cls_token",
          "mask_token");

  SpecialTokens {
    named = Map.copyOf(named);
    additional = List.copyOf(additional);
  }

  static SpecialTokens read(JsonNode config, JsonNode specialTokensMap) {
    Map<String, String> named = new LinkedHashMap<>();
    for (String name : NAMES) {
      String token = content(config.path(name));
      if (token == null) {
        token = content(specialTokensMap.path(name));
      }
      if (token != null) {
        named.put(name, token);
      }
    }
    JsonNode extra = config.path("additional_special_tokens");
    if (!extra.isArray()) {
      extra = specialTokensMap.path("additional_special_tokens");
    }
    List<String> additional =
        extra.isArray()
            ? extra.values().stream().map(SpecialTokens::content).filter(t -> t != null).toList()
            : List.of();
    return new SpecialTokens(named, additional);
  }

  private static String content(JsonNode node) {
    if (node.isString()) {
      return node.stringValue();
    }
    if (node.isObject() && node.path("content").isString()) {
      return node.path("content").stringValue();
    }
    return null;
  }

  String get(String name) {
    return named.get(name);
  }

  /** The template variables transformers passes: each named token and the additional ones. */
  Map<String, Object> templateVariables() {
    Map<String, Object> variables = new LinkedHashMap<>(named);
    variables.put("additional_special_tokens", additional);
    return variables;
  }
}
