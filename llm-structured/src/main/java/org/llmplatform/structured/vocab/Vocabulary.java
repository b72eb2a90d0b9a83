package org.llmplatform.structured.vocab;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A model's vocabulary as bytes: token id to the bytes it adds to the text, a trie over them, and
 * the end-of-sequence tokens. Special tokens spell nothing (null) and are never allowed by a
 * grammar except the EOS ones, where the grammar accepts. Immutable and shareable.
 */
public final class Vocabulary {
  private static final Pattern BYTE_FALLBACK = Pattern.compile("<0x([0-9A-Fa-f]{2})>");
  private static final Set<String> EOS_NAMES =
      Set.of("</s>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "<|im_end|>", "<eos>");

  private final byte[][] bytes; // [size] token id -> bytes, null for special tokens
  private final int[] eos;
  private final TokenTrie trie;

  private Vocabulary(byte[][] bytes, int[] eos) {
    this.bytes = bytes;
    this.eos = eos;
    this.trie = TokenTrie.build(bytes);
  }

  /** A vocabulary from token bytes (null for special tokens) and EOS token ids. */
  public static Vocabulary of(byte[][] bytes, int... eos) {
    return new Vocabulary(bytes.clone(), eos.clone());
  }

  public int size() {
    return bytes.length;
  }

  /** The bytes of a token, or null for a special token. Do not modify. */
  public byte[] bytes(int token) {
    return token >= 0 && token < bytes.length ? bytes[token] : null;
  }

  public int[] eosTokens() {
    return eos.clone();
  }

  public boolean isEos(int token) {
    for (int e : eos) {
      if (e == token) {
        return true;
      }
    }
    return false;
  }

  public TokenTrie trie() {
    return trie;
  }

  /**
   * Reads a Hugging Face {@code tokenizer.json}: byte-level BPE (GPT-2 alphabet) or SentencePiece
   * style BPE / Unigram (metaspace {@code ▁} for space, {@code <0xNN>} byte fallback). EOS tokens
   * come from a {@code tokenizer_config.json} beside it when present, else from the usual names.
   */
  public static Vocabulary fromTokenizerJson(Path tokenizerJson) {
    try {
      JsonMapper mapper = JsonMapper.builder().build();
      JsonNode root = mapper.readTree(tokenizerJson.toFile());
      JsonNode model = root.path("model");
      String type = model.path("type").asString("");
      boolean byteLevel =
          mentionsByteLevel(root.path("decoder")) || mentionsByteLevel(root.path("pre_tokenizer"));
      Map<Integer, byte[]> entries = new HashMap<>();
      int size = 0;
      switch (type) {
        case "BPE", "" -> {
          for (Map.Entry<String, JsonNode> e : model.path("vocab").properties()) {
            int id = e.getValue().asInt();
            entries.put(
                id, byteLevel ? ByteLevelAlphabet.decode(e.getKey()) : metaspace(e.getKey()));
            size = Math.max(size, id + 1);
          }
        }
        case "Unigram" -> {
          int id = 0;
          for (JsonNode piece : model.path("vocab")) {
            entries.put(id, metaspace(piece.get(0).asString()));
            id++;
          }
          size = id;
        }
        default ->
            throw new IllegalArgumentException(
                "tokenizer model " + type + " is not supported (BPE or Unigram)");
      }
      Set<String> specials = new LinkedHashSet<>();
      Map<String, Integer> specialIds = new HashMap<>();
      for (JsonNode added : root.path("added_tokens")) {
        int id = added.path("id").asInt();
        String content = added.path("content").asString();
        size = Math.max(size, id + 1);
        if (added.path("special").asBoolean(false)) {
          entries.put(id, null);
          specials.add(content);
          specialIds.put(content, id);
        } else {
          entries.put(id, content.getBytes(StandardCharsets.UTF_8));
        }
      }
      byte[][] bytes = new byte[size][];
      entries.forEach((id, b) -> bytes[id] = b);
      Set<Integer> eos = new LinkedHashSet<>();
      Path config = tokenizerJson.resolveSibling("tokenizer_config.json");
      if (Files.exists(config)) {
        JsonNode eosNode = mapper.readTree(config.toFile()).path("eos_token");
        String name =
            eosNode.isObject() ? eosNode.path("content").asString("") : eosNode.asString("");
        if (specialIds.containsKey(name)) {
          eos.add(specialIds.get(name));
        }
      }
      for (String name : specials) {
        if (EOS_NAMES.contains(name)) {
          eos.add(specialIds.get(name));
        }
      }
      return new Vocabulary(bytes, eos.stream().mapToInt(Integer::intValue).toArray());
    } catch (tools.jackson.core.JacksonException e) {
      throw new IllegalArgumentException("cannot read " + tokenizerJson + ": " + e.getMessage(), e);
    }
  }

  private static boolean mentionsByteLevel(JsonNode node) {
    if (node.isObject()) {
      if ("ByteLevel".equals(node.path("type").asString(""))) {
        return true;
      }
    }
    if (node.isObject() || node.isArray()) {
      for (JsonNode n : node) {
        if (mentionsByteLevel(n)) {
          return true;
        }
      }
    }
    return false;
  }

  /** SentencePiece spelling: {@code ▁} is a space, {@code <0xNN>} is the byte NN. */
  static byte[] metaspace(String piece) {
    Matcher m = BYTE_FALLBACK.matcher(piece);
    if (m.matches()) {
      return new byte[] {(byte) Integer.parseInt(m.group(1), 16)};
    }
    return piece.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "Vocabulary[" + bytes.length + " tokens, eos " + Arrays.toString(eos) + "]";
  }
}
