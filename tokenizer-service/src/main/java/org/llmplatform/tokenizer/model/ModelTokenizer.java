package org.llmplatform.tokenizer.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;
import org.llmplatform.api.error.InvalidFieldException;
import org.llmplatform.api.tokenizer.ChatMessage;
import org.llmplatform.api.tokenizer.StreamingDetokenizer;
import org.llmplatform.api.tokenizer.TokenizerInfo;
import org.llmplatform.tokenizer.template.ChatTemplateException;
import org.llmplatform.tokenizer.template.ChatTemplateRenderer;
import org.llmplatform.tokenizer.template.TemplateLimitException;
import org.llmplatform.tokenizer.template.TemplateMessage;
import org.llmplatform.tokenizer.template.ToolCallArguments;

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
  private final SpecialTokenText specialTokenText;
  private final PlainTextEncoder plainText;

  /** Templates that failed on a tool-calls-only turn's none content and rendered it as "". */
  private final Set<String> refusesNoneContent = ConcurrentHashMap.newKeySet();

  // byte tokens (and what does not end their run) a stream holds to the run's end, per skip mode
  private final IntPredicate byteFallback;
  private final IntPredicate byteFallbackSkippingSpecial;

  ModelTokenizer(
      String name,
      HuggingFaceTokenizer tokenizer,
      ModelFolder folder,
      ChatTemplateRenderer renderer) {
    this.name = name;
    this.tokenizer = tokenizer;
    this.folder = folder;
    this.renderer = renderer;
    this.specialTokenText =
        new SpecialTokenText(
            folder.vocabulary().specialTokens().stream()
                .map(Vocabulary.AddedToken::content)
                .toList());
    this.plainText = new PlainTextEncoder(tokenizerJson());
    this.byteFallback =
        StreamingDetokenizer.byteFallbackIds(ids -> decode(ids, false), vocabSize());
    this.byteFallbackSkippingSpecial =
        byteFallback == StreamingDetokenizer.NO_IDS
            ? byteFallback
            : StreamingDetokenizer.byteFallbackIds(ids -> decode(ids, true), vocabSize());
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
   * Encodes a rendered chat prompt: as {@link #encode(String, boolean)} does, except that the
   * client's special-token text gets its plain-text ids. The prompt is cut around each such text,
   * which is encoded alone with special tokens read as plain text ({@code split_special_tokens});
   * the parts between are encoded as usual, as the tokenizer encodes the text between two special
   * tokens. A prompt without client special-token text is one plain {@code encode}.
   */
  public List<Integer> encode(ChatPrompt prompt, boolean addSpecialTokens) {
    if (prompt.clientSpecialTokens().isEmpty()) {
      return encode(prompt.text(), addSpecialTokens);
    }
    String text = prompt.text();
    List<Integer> ids = new ArrayList<>();
    int at = 0;
    for (ChatPrompt.Span span : prompt.clientSpecialTokens()) {
      if (span.start() > at) {
        ids.addAll(encode(text.substring(at, span.start()), false));
      }
      ids.addAll(encodePlainText(text.substring(span.start(), span.end())));
      at = span.end();
    }
    if (at < text.length()) {
      ids.addAll(encode(text.substring(at), false));
    }
    return addSpecialTokens ? withAddedTokens(ids) : ids;
  }

  /**
   * Encodes a rendered chat prompt as {@link #encode(ChatPrompt, boolean)} does, and counts each
   * message's tokens: the tokens whose first character lies in the message's part of the prompt
   * ({@link ChatPrompt.MessageParts}); a token the tokenizer adds (BOS) lies before every part. The
   * same one encode, reading its tokens' offsets too: no text is encoded twice.
   */
  public ChatTokens encodeChat(ChatPrompt prompt, boolean addSpecialTokens) {
    String text = prompt.text();
    Encoded encoded = new Encoded(text.length() / 2 + 16);
    int at = 0;
    for (ChatPrompt.Span span : prompt.clientSpecialTokens()) {
      if (span.start() > at) {
        encodeWithStarts(text, at, span.start(), encoded);
      }
      for (int id : encodePlainText(text.substring(span.start(), span.end()))) {
        encoded.add(id, span.start());
      }
      at = span.end();
    }
    if (at < text.length() || prompt.clientSpecialTokens().isEmpty()) {
      encodeWithStarts(text, at, text.length(), encoded);
    }
    List<Integer> ids = encoded.ids();
    int[] starts = encoded.starts();
    if (addSpecialTokens) {
      List<Integer> withAdded = withAddedTokens(ids);
      int before = Math.max(Collections.indexOfSubList(withAdded, ids), 0);
      int[] added = new int[withAdded.size()];
      for (int i = 0; i < added.length; i++) {
        int inText = i - before;
        added[i] = inText >= 0 && inText < starts.length ? starts[inText] : -1;
      }
      ids = withAdded;
      starts = added;
    }
    return new ChatTokens(ids, messageTokens(prompt.messageParts(), starts, text.length()));
  }

  /** Ids and each one's first character in the prompt, as a prompt is encoded piece by piece. */
  private static final class Encoded {
    private int[] ids;
    private int[] starts;
    private int size;

    Encoded(int capacity) {
      ids = new int[capacity];
      starts = new int[capacity];
    }

    void add(int id, int start) {
      if (size == ids.length) {
        ids = Arrays.copyOf(ids, size * 2);
        starts = Arrays.copyOf(starts, size * 2);
      }
      ids[size] = id;
      starts[size++] = start;
    }

    int lastStart(int otherwise) {
      return size == 0 ? otherwise : starts[size - 1];
    }

    List<Integer> ids() {
      List<Integer> out = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        out.add(ids[i]);
      }
      return out;
    }

    int[] starts() {
      return Arrays.copyOf(starts, size);
    }
  }

  /**
   * Each message's tokens, by where each token starts ({@code -1}: a token the tokenizer added);
   * null when the parts are unknown.
   */
  static List<Integer> messageTokens(ChatPrompt.MessageParts parts, int[] starts, int textLength) {
    if (parts == null) {
      return null;
    }
    List<Integer> ends = parts.ends();
    int[] counts = new int[ends.size()];
    int message = 0; // the first message whose part may hold the next token
    boolean inText = false;
    for (int start : starts) {
      // an added token (-1) ahead of the text precedes every part; one after it (EOS) follows
      inText |= start >= 0;
      int at = start >= 0 ? start : (inText ? textLength : -1);
      if (at < parts.start()) {
        continue;
      }
      while (message < ends.size() && ends.get(message) <= at) {
        message++;
      }
      if (message == ends.size()) {
        break; // the template's suffix: the generation prompt
      }
      counts[message]++;
    }
    List<Integer> out = new ArrayList<>(counts.length);
    for (int count : counts) {
      out.add(count);
    }
    return out;
  }

  /**
   * Encodes {@code text[from, to)} without added tokens, adding its ids and each one's first
   * character in {@code text} (the library gives offsets in code points).
   */
  private void encodeWithStarts(String text, int from, int to, Encoded encoded) {
    String piece = text.substring(from, to);
    long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), piece, false);
    long[] pieceIds;
    CharSpan[] spans;
    try {
      pieceIds = TokenizersLibrary.LIB.getTokenIds(encoding);
      spans = TokenizersLibrary.LIB.getTokenCharSpans(encoding);
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
    }
    boolean surrogates = piece.codePointCount(0, piece.length()) != piece.length();
    int codePoint = 0; // walks forward: offsets grow along the ids
    int index = 0;
    for (int i = 0; i < pieceIds.length; i++) {
      int start = spans[i] == null || spans[i].getStart() < 0 ? -1 : spans[i].getStart();
      if (start >= 0 && surrogates) {
        if (start < codePoint) {
          codePoint = 0;
          index = 0;
        }
        index = piece.offsetByCodePoints(index, start - codePoint);
        codePoint = start;
        start = index;
      }
      encoded.add(
          (int) pieceIds[i], start >= 0 ? from + start : i == 0 ? from : encoded.lastStart(from));
    }
  }

  /** The ids of {@code text} with special tokens read as plain text and none added. */
  List<Integer> encodePlainText(String text) {
    return plainText.encode(text);
  }

  /** {@code ids} with the tokens tokenizer.json's post-processor adds around a text (BOS…). */
  private List<Integer> withAddedTokens(List<Integer> ids) {
    List<Integer> bare = encode("a", false);
    List<Integer> added = encode("a", true);
    int at = Collections.indexOfSubList(added, bare);
    if (at < 0) {
      return ids;
    }
    List<Integer> out = new ArrayList<>(added.subList(0, at));
    out.addAll(ids);
    out.addAll(added.subList(at + bare.size(), added.size()));
    return out;
  }

  /**
   * Decodes ids as transformers does: the tokenizer's decoder, then {@code
   * clean_up_tokenization_spaces} when the model asks for it.
   *
   * @throws InvalidFieldException for an id outside the vocabulary
   */
  public String decode(List<Integer> ids, boolean skipSpecialTokens) {
    long[] raw = new long[ids.size()];
    int size = vocabSize();
    for (int i = 0; i < raw.length; i++) {
      int id = ids.get(i);
      if (id < 0 || id >= size) {
        throw new InvalidFieldException(
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
    return StreamingDetokenizer.create(ids -> decode(ids, skipSpecialTokens), cleansUpSpaces())
        .holdingBackRunsOf(skipSpecialTokens ? byteFallbackSkippingSpecial : byteFallback);
  }

  /**
   * Renders a conversation with the model's chat template (or the default one). Every value from
   * the client (messages, tools, documents, extra variables) is data: the template reads it as a
   * string and its special-token text is {@link SpecialTokenText masked} through the render, so
   * that {@link #encode(ChatPrompt, boolean)} encodes it as plain text.
   *
   * @param templateName one of the model's named templates, or null to choose as transformers
   */
  public ChatPrompt renderChat(
      List<ChatMessage> messages,
      boolean addGenerationPrompt,
      List<Map<String, Object>> tools,
      List<Map<String, Object>> documents,
      String templateName,
      Map<String, Object> extraVariables) {
    String template = folder.chatTemplates().choose(templateName, tools != null);
    Map<String, Object> trusted = folder.specialTokens().templateVariables();
    SpecialTokenText.Masker masker =
        specialTokenText.masker(
            List.of(template, trusted), Arrays.asList(messages, tools, documents, extraVariables));
    Map<String, Object> variables = new LinkedHashMap<>(trusted);
    if (extraVariables != null) {
      extraVariables.forEach((key, value) -> variables.put(key, masker.mask(value)));
    }
    boolean parts = ChatTemplates.readsContentParts(template);
    List<TemplateMessage> templateMessages = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      templateMessages.add(asTemplateMessage(i, messages.get(i), parts, masker));
    }
    variables.put("messages", templateMessages);
    variables.put("add_generation_prompt", addGenerationPrompt);
    variables.put("tools", masker.mask(tools));
    variables.put("documents", masker.mask(documents));
    if (refusesNoneContent.contains(template)) {
      withEmptyContent(templateMessages); // known to fail on none: rendered once, not twice
    }
    try {
      return masker.unmask(
          renderer.render(template, variables, masker.marks()),
          renderer.writesMarks(template) ? messages.size() : -1);
    } catch (TemplateLimitException e) {
      throw e;
    } catch (ChatTemplateException e) {
      // A turn that only calls tools has no content (none, as OpenAI's clients send it): some
      // templates render its calls only then (DeepSeek-V3), others cannot render none at all
      // (Qwen3, ChatML). Where none fails, the same turns are rendered with empty text instead.
      if (!withEmptyContent(templateMessages)) {
        throw e;
      }
      ChatPrompt prompt;
      try {
        prompt =
            masker.unmask(
                renderer.render(template, variables, masker.marks()),
                renderer.writesMarks(template) ? messages.size() : -1);
      } catch (TemplateLimitException limit) {
        throw limit;
      } catch (ChatTemplateException alsoFails) {
        throw e; // the template's own verdict on the conversation as sent
      }
      refusesNoneContent.add(template);
      return prompt;
    }
  }

  /** Gives every tool-calls-only turn without content an empty text; false when there is none. */
  private static boolean withEmptyContent(List<TemplateMessage> messages) {
    boolean changed = false;
    for (TemplateMessage message : messages) {
      if (message.get("tool_calls") != null && !message.containsKey("content")) {
        message.put("content", "");
        changed = true;
      }
    }
    return changed;
  }

  /** Whether the template chosen for these arguments reads content given as a list of parts. */
  public boolean templateReadsContentParts(String templateName, boolean withTools) {
    return ChatTemplates.readsContentParts(folder.chatTemplates().choose(templateName, withTools));
  }

  private static TemplateMessage asTemplateMessage(
      int index, ChatMessage message, boolean parts, SpecialTokenText.Masker masker) {
    TemplateMessage map = new TemplateMessage(index);
    map.put("role", message.role());
    if (message.content() instanceof List<?> list && !parts) {
      map.put("content", masker.mask(joinTextParts(list)));
    } else if (message.content() != null) {
      map.put("content", masker.mask(message.content()));
    }
    if (message.name() != null) {
      map.put("name", masker.mask(message.name()));
    }
    if (message.toolCalls() != null) {
      map.put(
          "tool_calls", ToolCallArguments.inToolCalls((List<?>) masker.mask(message.toolCalls())));
    }
    if (message.toolCallId() != null) {
      map.put("tool_call_id", masker.mask(message.toolCallId()));
    }
    if (message.reasoningContent() != null) {
      map.put("reasoning_content", masker.mask(message.reasoningContent()));
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
        folder.maxLength(),
        ToolCallFormat.of(templates.choose(null, true)));
  }

  @Override
  public void close() {
    plainText.close();
    tokenizer.close();
  }
}
