package org.llmplatform.tokenizer.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Encodes text with the model's special tokens read as plain text, as the Hugging Face tokenizers
 * library does with {@code encode_special_tokens} (transformers' {@code
 * split_special_tokens=True}): the same tokenizer.json without its special added tokens. Made on
 * first use (most requests never need it). Thread-safe.
 */
final class PlainTextEncoder implements AutoCloseable {

  private final Path tokenizerJson;
  private HuggingFaceTokenizer tokenizer;
  private boolean closed;

  PlainTextEncoder(Path tokenizerJson) {
    this.tokenizerJson = tokenizerJson;
  }

  /** The ids of {@code text} with no special token matched and none added. */
  List<Integer> encode(String text) {
    long encoding = TokenizersLibrary.LIB.encode(tokenizer().getHandle(), text, false);
    long[] ids;
    try {
      ids = TokenizersLibrary.LIB.getTokenIds(encoding);
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
    }
    List<Integer> out = new ArrayList<>(ids.length);
    for (long id : ids) {
      out.add((int) id);
    }
    return out;
  }

  private synchronized HuggingFaceTokenizer tokenizer() {
    if (closed) {
      throw new IllegalStateException("tokenizer closed");
    }
    if (tokenizer == null) {
      try {
        tokenizer =
            HuggingFaceTokenizer.newInstance(
                new ByteArrayInputStream(withoutSpecialTokens(Files.readAllBytes(tokenizerJson))),
                Map.of());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + tokenizerJson, e);
      }
    }
    return tokenizer;
  }

  /** tokenizer.json without its special added tokens, truncation and padding. */
  static byte[] withoutSpecialTokens(byte[] tokenizerJson) {
    JsonMapper json = JsonMapper.shared();
    ObjectNode root = (ObjectNode) json.readTree(tokenizerJson);
    ArrayNode kept = json.createArrayNode();
    for (JsonNode token : root.path("added_tokens").values()) {
      if (!token.path("special").asBoolean()) {
        kept.add(token);
      }
    }
    root.set("added_tokens", kept);
    root.putNull("truncation");
    root.putNull("padding");
    return json.writeValueAsBytes(root);
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (tokenizer != null) {
      tokenizer.close();
    }
  }
}
