package org.llmplatform.tokenizer.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

/**
 * What the tokenizer service reads from a Hugging Face (or ONNX Runtime GenAI) model folder besides
 * the tokenizer itself: tokenizer.json's vocabulary, tokenizer_config.json (falling back to
 * special_tokens_map.json), the chat template (inline, or {@code chat_template.jinja}), and the eos
 * ids of generation_config.json or genai_config.json.
 */
record ModelFolder(
    Path dir,
    Vocabulary vocabulary,
    SpecialTokens specialTokens,
    Boolean addBosToken,
    Boolean addEosToken,
    boolean cleanUpTokenizationSpaces,
    ChatTemplates chatTemplates,
    List<Integer> eosTokenIds,
    Long maxLength) {

  private static final JsonMapper JSON = JsonMapper.shared();

  static ModelFolder read(Path dir) throws IOException {
    Path tokenizerJson = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new IOException("no tokenizer.json in " + dir);
    }
    Vocabulary vocabulary = Vocabulary.read(JSON.readTree(tokenizerJson.toFile()));
    JsonNode config = readOptional(dir.resolve("tokenizer_config.json"));
    SpecialTokens specialTokens =
        SpecialTokens.read(config, readOptional(dir.resolve("special_tokens_map.json")));
    List<Integer> eos = new ArrayList<>();
    String eosToken = specialTokens.get("eos_token");
    if (eosToken != null) {
      vocabulary.idOf(eosToken).ifPresent(eos::add);
    }
    addIds(eos, readOptional(dir.resolve("generation_config.json")).path("eos_token_id"));
    JsonNode genai = readOptional(dir.resolve("genai_config.json")).path("model");
    addIds(eos, genai.path("eos_token_id"));
    JsonNode maxLength = config.path("model_max_length");
    Long max = maxLength.isNumber() && maxLength.asDouble() < 1e18 ? maxLength.asLong() : null;
    if (max == null && genai.path("context_length").isNumber()) {
      max = genai.path("context_length").asLong();
    }
    return new ModelFolder(
        dir,
        vocabulary,
        specialTokens,
        optionalBoolean(config.path("add_bos_token")),
        optionalBoolean(config.path("add_eos_token")),
        // transformers.js (the golden reference) defaults to true when the key is absent
        config.path("clean_up_tokenization_spaces").asBoolean(true),
        chatTemplates(dir, config),
        List.copyOf(eos),
        max);
  }

  private static ChatTemplates chatTemplates(Path dir, JsonNode config) throws IOException {
    JsonNode template = config.path("chat_template");
    if (template.isString()) {
      return ChatTemplates.single(template.stringValue());
    }
    if (template.isArray()) {
      Map<String, String> named = new LinkedHashMap<>();
      for (JsonNode entry : template.values()) {
        if (!entry.path("name").isString() || !entry.path("template").isString()) {
          throw new IOException("chat_template list entries need a name and a template");
        }
        named.put(entry.path("name").stringValue(), entry.path("template").stringValue());
      }
      return new ChatTemplates(named, true, true);
    }
    Path jinja = dir.resolve("chat_template.jinja");
    if (Files.isRegularFile(jinja)) {
      return ChatTemplates.single(Files.readString(jinja));
    }
    return ChatTemplates.ofDefault();
  }

  private static JsonNode readOptional(Path file) throws IOException {
    return Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : MissingNode.getInstance();
  }

  private static Boolean optionalBoolean(JsonNode node) {
    return node.isBoolean() ? node.booleanValue() : null;
  }

  private static void addIds(List<Integer> ids, JsonNode node) {
    if (node.isNumber() && !ids.contains(node.asInt())) {
      ids.add(node.asInt());
    }
    if (node.isArray()) {
      node.values().forEach(value -> addIds(ids, value));
    }
  }
}
