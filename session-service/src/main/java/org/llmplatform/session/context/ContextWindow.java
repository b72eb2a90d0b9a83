package org.llmplatform.session.context;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.ToolCall;

/**
 * Picks the part of a conversation that fits a token budget: the system prompt and every {@code
 * system} message are always kept, then the longest suffix of the other messages that fits what is
 * left and does not start with a {@code tool} message (a window that leaves older messages out
 * drops the tool results at its start with the assistant message whose calls they answer, so calls
 * and their results are kept or left out together). Messages without a token count are {@linkplain
 * #estimateTokens estimated}.
 */
public final class ContextWindow {

  private ContextWindow() {}

  /**
   * The chosen messages, in seq order.
   *
   * @param messages kept messages
   * @param totalTokens tokens of the system prompt plus the kept messages
   * @param truncated true when older messages were left out
   */
  public record Fit(List<Message> messages, long totalTokens, boolean truncated) {
    public Fit {
      messages = List.copyOf(messages);
    }
  }

  /**
   * Fits a conversation into {@code maxTokens}.
   *
   * @param systemPrompt the session's system prompt, or null
   * @param messages all messages in seq order
   * @param maxTokens the budget, or null for no limit
   */
  public static Fit fit(String systemPrompt, List<Message> messages, Integer maxTokens) {
    long alwaysKept = systemPrompt == null ? 0 : estimateTokens(systemPrompt);
    for (Message message : messages) {
      if (isSystem(message)) {
        alwaysKept += tokens(message);
      }
    }
    long budget = maxTokens == null ? Long.MAX_VALUE : maxTokens - alwaysKept;
    // Walk back from the newest message; the first one that does not fit ends the suffix.
    int firstKept = messages.size();
    long suffixTokens = 0;
    while (firstKept > 0) {
      Message candidate = messages.get(firstKept - 1);
      if (!isSystem(candidate)) {
        long cost = tokens(candidate);
        if (suffixTokens + cost > budget) {
          break;
        }
        suffixTokens += cost;
      }
      firstKept--;
    }
    if (firstKept > 0) { // older messages left out: no tool results without their calls
      while (firstKept < messages.size()) {
        Message message = messages.get(firstKept);
        if (!isSystem(message)) {
          if (!isTool(message.role())) {
            break;
          }
          suffixTokens -= tokens(message);
        }
        firstKept++;
      }
    }
    List<Message> kept = new ArrayList<>(messages.size());
    boolean truncated = false;
    for (int i = 0; i < messages.size(); i++) {
      Message message = messages.get(i);
      if (i >= firstKept || isSystem(message)) {
        kept.add(message);
      } else {
        truncated = true;
      }
    }
    return new Fit(kept, alwaysKept + suffixTokens, truncated);
  }

  /**
   * Tokens a message counts for: its token count when known, else an {@linkplain #estimateTokens
   * estimate} of its {@linkplain #textBytes text}.
   */
  public static long tokens(Message message) {
    return message.tokenCount() != null
        ? message.tokenCount()
        : estimate(
            textBytes(
                message.content(), message.name(), message.toolCalls(), message.toolCallId()));
  }

  /** Tokens a message to append counts for, as {@link #tokens(Message)} counts it once stored. */
  public static long tokens(NewMessage message) {
    return message.tokenCount() != null
        ? message.tokenCount()
        : estimate(
            textBytes(
                message.content(), message.name(), message.toolCalls(), message.toolCallId()));
  }

  /**
   * The UTF-8 bytes of a message's text: its content, name and tool call id, and each tool call's
   * id, function name and arguments (null fields count 0). What the message size limit and the
   * token estimate measure.
   */
  public static long textBytes(
      String content, String name, List<ToolCall> toolCalls, String toolCallId) {
    long bytes = utf8Bytes(content) + utf8Bytes(name) + utf8Bytes(toolCallId);
    for (ToolCall call : toolCalls) {
      bytes +=
          utf8Bytes(call.id())
              + utf8Bytes(call.function().name())
              + utf8Bytes(call.function().arguments());
    }
    return bytes;
  }

  /**
   * Estimated tokens of a text whose count is unknown: one per 4 UTF-8 bytes, rounded up
   * (byte-level BPE vocabularies average 3.5–4.5 bytes a token on English).
   */
  public static long estimateTokens(String text) {
    return estimate(utf8Bytes(text));
  }

  private static long estimate(long bytes) {
    return (bytes + 3) / 4;
  }

  /** UTF-8 length of a text without encoding it; 0 for null. */
  public static long utf8Bytes(String text) {
    if (text == null) {
      return 0;
    }
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  /** Whether messages of this role are always kept (the {@code system} role). */
  public static boolean isSystem(String role) {
    return "system".equals(role);
  }

  /** Whether a message of this role answers a tool call (kept or left out with the call). */
  private static boolean isTool(String role) {
    return "tool".equals(role);
  }

  private static boolean isSystem(Message message) {
    return isSystem(message.role());
  }
}
