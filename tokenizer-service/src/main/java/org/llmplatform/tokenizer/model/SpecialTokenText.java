package org.llmplatform.tokenizer.model;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmplatform.api.error.InvalidFieldException;
import org.llmplatform.api.tokenizer.ChatMessage;
import org.llmplatform.tokenizer.template.MessageMarks;

/**
 * Finds a model's special tokens in client text and keeps them apart through a template render.
 * Before the render, a {@link Masker} replaces each special token's text in a client value with a
 * private-use character (U+E000–U+F8FF) that neither the template nor any value holds; after it,
 * {@link Masker#unmask} puts the text back and records where it lies, so that encoding gives it its
 * plain-text ids while the template's own special tokens stay special. It also gives the render its
 * {@link MessageMarks} from the same free characters, and takes them out of the output as it
 * unmasks it, keeping where each message's part ends. Tokens are found as the Hugging Face
 * tokenizers library finds added tokens: leftmost, longest first.
 *
 * <p>Only tokens marked special count, as with transformers' {@code split_special_tokens=True};
 * non-special added tokens (Qwen3's {@code <think>}) are matched as in any text. A token whose text
 * {@code tojson} would escape ({@code "}, {@code \}, control characters) is left alone: its text
 * cannot come out of {@code tojson} as the token.
 */
final class SpecialTokenText {

  private static final char FIRST_PLACEHOLDER = '\uE000';
  private static final char LAST_PLACEHOLDER = '\uF8FF';

  /** A node of the token trie: children by next character, the token ending here (or null). */
  private static final class Node {
    final Map<Character, Node> next = new HashMap<>();
    String token;
  }

  private final Node root = new Node();
  private final boolean empty;

  SpecialTokenText(Collection<String> specialTokens) {
    boolean any = false;
    for (String token : specialTokens) {
      if (token.isEmpty() || token.chars().anyMatch(c -> c < 0x20 || c == '"' || c == '\\')) {
        continue;
      }
      Node node = root;
      for (int i = 0; i < token.length(); i++) {
        node = node.next.computeIfAbsent(token.charAt(i), c -> new Node());
      }
      node.token = token;
      any = true;
    }
    empty = !any;
  }

  /**
   * A masker for one render.
   *
   * @param inputs everything the render reads besides the client values (the template source, the
   *     trusted variables): their private-use characters are not used as placeholders
   * @param clientValues the client values to be masked
   */
  Masker masker(List<Object> inputs, List<Object> clientValues) {
    BitSet used = new BitSet();
    inputs.forEach(value -> collectPrivateUse(value, used));
    clientValues.forEach(value -> collectPrivateUse(value, used));
    return new Masker(used);
  }

  /** The end of the special token starting at {@code start}, or -1. */
  private int match(String text, int start) {
    Node node = root;
    int end = -1;
    for (int i = start; i < text.length(); i++) {
      node = node.next.get(text.charAt(i));
      if (node == null) {
        break;
      }
      if (node.token != null) {
        end = i + 1;
      }
    }
    return end;
  }

  private static void collectPrivateUse(Object value, BitSet used) {
    switch (value) {
      case String s -> {
        for (int i = 0; i < s.length(); i++) {
          char c = s.charAt(i);
          if (c >= FIRST_PLACEHOLDER && c <= LAST_PLACEHOLDER) {
            used.set(c - FIRST_PLACEHOLDER);
          }
        }
      }
      case Map<?, ?> map ->
          map.forEach(
              (k, v) -> {
                collectPrivateUse(k, used);
                collectPrivateUse(v, used);
              });
      case Iterable<?> items -> items.forEach(item -> collectPrivateUse(item, used));
      case ChatMessage m -> {
        collectPrivateUse(m.content(), used);
        collectPrivateUse(m.name(), used);
        collectPrivateUse(m.toolCalls(), used);
        collectPrivateUse(m.toolCallId(), used);
        collectPrivateUse(m.reasoningContent(), used);
      }
      case null, default -> {}
    }
  }

  /** Masks the client values of one render and unmasks its output. */
  final class Masker {

    private final BitSet used;
    private final Map<String, Character> placeholders = new HashMap<>();
    private final Map<Character, String> tokens = new HashMap<>();
    private MessageMarks marks;

    private Masker(BitSet used) {
      this.used = used;
    }

    /** The marks of the messages' parts for this render: two characters no input holds. */
    MessageMarks marks() {
      if (marks == null) {
        marks = new MessageMarks(freePlaceholder(), freePlaceholder());
      }
      return marks;
    }

    /** A copy of a client value (string, map, list, scalar) with its special tokens masked. */
    Object mask(Object value) {
      if (empty) {
        return value;
      }
      return switch (value) {
        case String s -> maskText(s);
        case Map<?, ?> map -> {
          Map<Object, Object> copy = new LinkedHashMap<>();
          map.forEach((k, v) -> copy.put(mask(k), mask(v)));
          yield copy;
        }
        case List<?> list -> {
          List<Object> copy = new ArrayList<>(list.size());
          list.forEach(item -> copy.add(mask(item)));
          yield copy;
        }
        case null, default -> value;
      };
    }

    private String maskText(String text) {
      StringBuilder out = null;
      int copied = 0;
      for (int i = 0; i < text.length(); ) {
        int end = match(text, i);
        if (end < 0) {
          i++;
          continue;
        }
        if (out == null) {
          out = new StringBuilder(text.length());
        }
        out.append(text, copied, i).append(placeholder(text.substring(i, end)));
        copied = end;
        i = end;
      }
      return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    private char placeholder(String token) {
      Character existing = placeholders.get(token);
      if (existing != null) {
        return existing;
      }
      char placeholder = freePlaceholder();
      placeholders.put(token, placeholder);
      tokens.put(placeholder, token);
      return placeholder;
    }

    private char freePlaceholder() {
      int free = used.nextClearBit(0);
      if (free > LAST_PLACEHOLDER - FIRST_PLACEHOLDER) {
        throw new InvalidFieldException(
            "messages", "too many private-use characters and special tokens in one request");
      }
      used.set(free);
      return (char) (FIRST_PLACEHOLDER + free);
    }

    /**
     * The rendered prompt with each placeholder back as its token's text, and their places; the
     * {@link #marks} taken out, and where they were kept as the prompt's message parts.
     *
     * @param messages how many messages the render had; -1 when it wrote no marks (the prompt's
     *     message parts are unknown then)
     */
    ChatPrompt unmask(String rendered, int messages) {
      if (tokens.isEmpty() && (marks == null || messages < 0)) {
        return ChatPrompt.of(rendered);
      }
      StringBuilder text = new StringBuilder(rendered.length() + 16);
      List<ChatPrompt.Span> spans = new ArrayList<>();
      MessageParts parts = new MessageParts(Math.max(messages, 0));
      if (messages < 0) {
        parts.unknown();
      }
      for (int i = 0; i < rendered.length(); i++) {
        char c = rendered.charAt(i);
        if (marks != null && (c == marks.start() || c == marks.end())) {
          int close = rendered.indexOf(c, i + 1);
          Integer index = close < 0 ? null : messageIndex(rendered, i + 1, close, messages);
          if (index == null) {
            parts.unknown();
          } else {
            parts.mark(c == marks.start(), index, text.length());
            i = close;
          }
          continue;
        }
        String token = c >= FIRST_PLACEHOLDER && c <= LAST_PLACEHOLDER ? tokens.get(c) : null;
        if (token == null) {
          text.append(c);
        } else {
          spans.add(new ChatPrompt.Span(text.length(), text.length() + token.length()));
          text.append(token);
        }
      }
      return new ChatPrompt(text.toString(), spans, parts.parts(text.length()));
    }

    private static Integer messageIndex(String rendered, int from, int to, int messages) {
      if (to == from || to - from > 9) {
        return null;
      }
      int index = 0;
      for (int i = from; i < to; i++) {
        char c = rendered.charAt(i);
        if (c < '0' || c > '9') {
          return null;
        }
        index = index * 10 + (c - '0');
      }
      return index < messages ? index : null;
    }
  }

  /** Collects the marks of one render into {@link ChatPrompt.MessageParts}. */
  private static final class MessageParts {

    private final int[] lastEnd;
    private final List<int[]> starts = new ArrayList<>(); // {index, position}, in output order
    private boolean unknown;

    MessageParts(int messages) {
      lastEnd = new int[messages];
      java.util.Arrays.fill(lastEnd, -1);
    }

    void mark(boolean start, int index, int position) {
      if (start) {
        starts.add(new int[] {index, position});
      } else {
        lastEnd[index] = position;
      }
    }

    void unknown() {
      unknown = true;
    }

    /**
     * Each message ends where the last loop iteration over it ended; only ends that grow with the
     * index are kept (a loop that walks the messages backwards, as Qwen3's does to find the last
     * question, writes its marks before the loop that writes the messages). The first kept
     * message's part starts where the last iteration over it that began before its end began.
     */
    ChatPrompt.MessageParts parts(int textLength) {
      if (unknown) {
        return null;
      }
      List<Integer> ends = new ArrayList<>(lastEnd.length);
      int first = -1;
      int previous = -1;
      for (int i = 0; i < lastEnd.length; i++) {
        if (lastEnd[i] >= 0 && lastEnd[i] >= previous) {
          ends.add(lastEnd[i]);
          previous = lastEnd[i];
          first = first < 0 ? i : first;
        } else {
          ends.add(-1);
        }
      }
      if (first < 0) { // no loop wrote a message: unknown (a template may loop in a loop)
        return lastEnd.length == 0 ? new ChatPrompt.MessageParts(textLength, ends) : null;
      }
      int start = -1;
      for (int[] mark : starts) {
        if (mark[0] == first && mark[1] <= ends.get(first)) {
          start = mark[1];
        }
      }
      return new ChatPrompt.MessageParts(start < 0 ? ends.get(first) : start, ends);
    }
  }
}
