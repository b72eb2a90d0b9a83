package org.llmplatform.session.context;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.ToolCall;

/**
 * Picks the part of a conversation a reader asked for with {@code max_tokens}: the system prompt
 * and every {@code system} message are always kept, then the longest suffix of the other messages
 * that fits what is left and does not start with a {@code tool} message (a window that leaves older
 * messages out drops the tool results at its start with the assistant message whose calls they
 * answer, so calls and their results are kept or left out together).
 *
 * <p>A message {@linkplain #cost costs} its token count, which the gateway stores with every
 * message (tokenizer-service's real count). A message without one (appended through the sessions
 * API by a client that did not count it) and the system prompt cost their {@linkplain #storageBound
 * storage bound} instead: a bound on how much is read, not a token count. This window is not what
 * fits the model's prompt: the gateway reads with a bound looser than its context and fits the
 * prompt itself on tokenizer-service's counts of every message.
 */
public final class ContextWindow {

  private ContextWindow() {}

  /**
   * The chosen messages, in seq order.
   *
   * @param messages kept messages
   * @param totalTokens the cost of the system prompt plus the kept messages
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
    long alwaysKept = systemPrompt == null ? 0 : storageBound(systemPrompt);
    for (Message message : messages) {
      if (isSystem(message)) {
        alwaysKept += cost(message);
      }
    }
    long budget = maxTokens == null ? Long.MAX_VALUE : maxTokens - alwaysKept;
    // Walk back from the newest message; the first one that does not fit ends the suffix.
    int firstKept = messages.size();
    long suffixTokens = 0;
    while (firstKept > 0) {
      Message candidate = messages.get(firstKept - 1);
      if (!isSystem(candidate)) {
        long cost = cost(candidate);
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
          suffixTokens -= cost(message);
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
   * What a message costs in the window: its token count when known, else the {@linkplain
   * #storageBound storage bound} of its {@linkplain #textBytes text}.
   */
  public static long cost(Message message) {
    return message.tokenCount() != null
        ? message.tokenCount()
        : storageBound(
            textBytes(
                message.content(), message.name(), message.toolCalls(), message.toolCallId()));
  }

  /** What a message to append will cost, as {@link #cost(Message)} counts it once stored. */
  public static long cost(NewMessage message) {
    return message.tokenCount() != null
        ? message.tokenCount()
        : storageBound(
            textBytes(
                message.content(), message.name(), message.toolCalls(), message.toolCallId()));
  }

  /**
   * The UTF-8 bytes of a message's text: its content, name and tool call id, and each tool call's
   * id, function name and arguments (null fields count 0). What the message size limit and the
   * storage bound measure.
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
   * What a text without a token count costs in the window: one per 4 UTF-8 bytes, rounded up. Not a
   * token count (byte-level BPE vocabularies average 3.5–4.5 bytes a token on English, fewer on
   * other scripts): it bounds how much a read returns, so that a session whose messages came
   * without counts is still read in part, and it never decides what the model is shown (the
   * gateway's read bound is twice the context, and it fits the prompt on real counts).
   */
  public static long storageBound(String text) {
    return storageBound(utf8Bytes(text));
  }

  private static long storageBound(long bytes) {
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
