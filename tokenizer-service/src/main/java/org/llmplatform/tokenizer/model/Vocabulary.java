package org.llmplatform.tokenizer.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import tools.jackson.databind.JsonNode;

/**
 * What tokenizer.json says about ids: the vocabulary size (model vocabulary and added tokens) and
 * the added tokens with their special flag.
 *
 * @param size number of ids: valid ids are {@code [0, size)}
 * @param added the added tokens, by id order
 * @param modelIds the model vocabulary's token → id (BPE, WordPiece, WordLevel; Unigram by
 *     position)
 */
record Vocabulary(int size, List<AddedToken> added, Map<String, Integer> modelIds) {

  record AddedToken(int id, String content, boolean special) {}

  Vocabulary {
    added = List.copyOf(added);
  }

  static Vocabulary read(JsonNode tokenizerJson) {
    Map<String, Integer> modelIds = new HashMap<>();
    JsonNode vocab = tokenizerJson.path("model").path("vocab");
    int size = 0;
    if (vocab.isObject()) {
      for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
        int id = entry.getValue().asInt();
        modelIds.put(entry.getKey(), id);
        size = Math.max(size, id + 1);
      }
    } else if (vocab.isArray()) { // Unigram: [[piece, score], …]
      int id = 0;
      for (JsonNode piece : vocab.values()) {
        modelIds.putIfAbsent(piece.path(0).asString(), id++);
      }
      size = id;
    }
    List<AddedToken> added = new ArrayList<>();
    for (JsonNode token : tokenizerJson.path("added_tokens").values()) {
      int id = token.path("id").asInt();
      added.add(
          new AddedToken(id, token.path("content").asString(), token.path("special").asBoolean()));
      size = Math.max(size, id + 1);
    }
    return new Vocabulary(size, added, modelIds);
  }

  OptionalInt idOf(String token) {
    for (AddedToken addedToken : added) {
      if (addedToken.content().equals(token)) {
        return OptionalInt.of(addedToken.id());
      }
    }
    Integer id = modelIds.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  List<AddedToken> specialTokens() {
    return added.stream().filter(AddedToken::special).toList();
  }
}
