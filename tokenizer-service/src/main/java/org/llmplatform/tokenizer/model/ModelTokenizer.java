package org.llmplatform.tokenizer.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmplatform.api.tokenizer.ChatMessage;
import org.llmplatform.api.tokenizer.InvalidTokenizerRequestException;
import org.llmplatform.api.tokenizer.StreamingDetokenizer;
import org.llmplatform.api.tokenizer.TokenizerInfo;
import org.llmplatform.tokenizer.template.ChatTemplateRenderer;

/**
 * One model's tokenizer: the Hugging Face tokenizers library (Rust, through DJL) for
 * tokenizer.json, tokenizer_config.json's special tokens and clean-up flag, and its chat templates.
 * Thread-safe.
 */
public final class ModelTokenizer implements AutoCloseable {

  private final String name;
  private final HuggingFaceTokenizer tokenizer;
  private final ModelFolder folder;
  private final ChatTemplateRenderer renderer;

  ModelTokenizer(
      String name,
      HuggingFaceTokenizer tokenizer,
      ModelFolder folder,
      ChatTemplateRenderer renderer) {
    this.name = name;
    this.tokenizer = tokenizer;
    this.folder = folder;
    this.renderer = renderer;
  }

  public String name() {
    return name;
  }

  public int vocabSize() {
    return folder.vocabulary().size();
  }

  /** Whether decode applies transformers' {@code clean_up_tokenization_spaces}. */
  public boolean cleansUpSpaces() {
    return folder.cleanUpTokenizationSpaces();
  }

  /** Encodes text; {@code addSpecialTokens} lets tokenizer.json's post-processor add BOS etc. */
  public List<Integer> encode(String text, boolean addSpecialTokens) {
    // DJL's encode() also copies types, tokens, offsets, masks and word ids through JNI; only the
    // ids are needed, which is several times faster on short texts
    long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, addSpecialTokens);
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

  /**
   * Decodes ids as transformers does: the tokenizer's decoder, then {@code
   * clean_up_tokenization_spaces} when the model asks for it.
   *
   * @throws InvalidTokenizerRequestException for an id outside the vocabulary
   */
  public String decode(List<Integer> ids, boolean skipSpecialTokens) {
    long[] raw = new long[ids.size()];
    int size = vocabSize();
    for (int i = 0; i < raw.length; i++) {
      int id = ids.get(i);
      if (id < 0 || id >= size) {
        throw new InvalidTokenizerRequestException(
            "ids", "id " + id + " is outside the vocabulary [0, " + size + ") of model " + name);
      }
      raw[i] = id;
    }
    String text = tokenizer.decode(raw, skipSpecialTokens);
    return cleansUpSpaces() ? StreamingDetokenizer.cleanUpTokenizationSpaces(text) : text;
  }

  /**
   * The model's {@code tokenizer.json}: clients that detokenize in-process (the gateway) load it
   * into the same Hugging Face tokenizers library, so their decode is this service's.
   */
  public Path tokenizerJson() {
    return folder.dir().resolve("tokenizer.json");
  }

  /** A streaming detokenizer over this model's decode. */
  public StreamingDetokenizer streamingDetokenizer(boolean skipSpecialTokens) {
    return StreamingDetokenizer.create(ids -> decode(ids, skipSpecialTokens), cleansUpSpaces());
  }

  /**
   * Renders a conversation with the model's chat template (or the default one).
   *
   * @param templateName one of the model's named templates, or null to choose as transformers
   */
  public String renderChat(
      List<ChatMessage> messages,
      boolean addGenerationPrompt,
      List<Map<String, Object>> tools,
      List<Map<String, Object>> documents,
      String templateName,
      Map<String, Object> extraVariables) {
    String template = folder.chatTemplates().choose(templateName, tools != null);
    Map<String, Object> variables = new LinkedHashMap<>(folder.specialTokens().templateVariables());
    if (extraVariables != null) {
      variables.putAll(extraVariables);
    }
    boolean parts = ChatTemplates.readsContentParts(template);
    variables.put("messages", messages.stream().map(m -> asTemplateMessage(m, parts)).toList());
    variables.put("add_generation_prompt", addGenerationPrompt);
    variables.put("tools", tools);
    variables.put("documents", documents);
    return renderer.render(template, variables);
  }

  /** Whether the template chosen for these arguments reads content given as a list of parts. */
  public boolean templateReadsContentParts(String templateName, boolean withTools) {
    return ChatTemplates.readsContentParts(folder.chatTemplates().choose(templateName, withTools));
  }

  private static Map<String, Object> asTemplateMessage(ChatMessage message, boolean parts) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("role", message.role());
    if (message.content() instanceof List<?> list && !parts) {
      map.put("content", joinTextParts(list));
    } else if (message.content() != null) {
      map.put("content", message.content());
    }
    if (message.name() != null) {
      map.put("name", message.name());
    }
    if (message.toolCalls() != null) {
      map.put("tool_calls", message.toolCalls());
    }
    if (message.toolCallId() != null) {
      map.put("tool_call_id", message.toolCallId());
    }
    if (message.reasoningContent() != null) {
      map.put("reasoning_content", message.reasoningContent());
    }
    return map;
  }

  private static String joinTextParts(List<?> parts) {
    List<String> texts = new ArrayList<>();
    for (Object part : parts) {
      if (part instanceof Map<?, ?> map && "text".equals(map.get("type"))) {
        texts.add(String.valueOf(map.get("text")));
      }
    }
    return String.join("\n", texts);
  }

  /** What {@code GET /v1/internal/tokenizer} reports. */
  public TokenizerInfo info() {
    Map<String, TokenizerInfo.SpecialToken> special = new LinkedHashMap<>();
    folder
        .specialTokens()
        .named()
        .forEach(
            (key, token) ->
                folder
                    .vocabulary()
                    .idOf(token)
                    .ifPresent(id -> special.put(key, new TokenizerInfo.SpecialToken(token, id))));
    List<TokenizerInfo.SpecialToken> added =
        folder.vocabulary().specialTokens().stream()
            .map(t -> new TokenizerInfo.SpecialToken(t.content(), t.id()))
            .toList();
    ChatTemplates templates = folder.chatTemplates();
    return new TokenizerInfo(
        name,
        vocabSize(),
        special,
        added,
        folder.eosTokenIds(),
        folder.addBosToken(),
        folder.addEosToken(),
        cleansUpSpaces(),
        templates.fromModel(),
        templates.fromModel() ? "model" : "default",
        templates.names(),
        folder.maxLength());
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
