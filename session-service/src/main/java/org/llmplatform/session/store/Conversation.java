package org.llmplatform.session.store;

import java.util.List;
import org.llmplatform.api.session.Message;
import org.llmplatform.session.context.ContextWindow;

/**
 * The part of a session's conversation that fits a token budget ({@link ContextWindow}), read in
 * one consistent view.
 *
 * @param systemPrompt the system prompt, or null
 * @param messages the kept messages, in seq order
 * @param lastSeq the seq of the session's last message (0 when it has none)
 * @param totalTokens tokens of the system prompt plus the kept messages
 * @param truncated true when older messages were left out
 */
public record Conversation(
    String systemPrompt,
    List<Message> messages,
    long lastSeq,
    long totalTokens,
    boolean truncated) {

  public Conversation {
    messages = List.copyOf(messages);
  }

  /** The window of a whole conversation, chosen by {@link ContextWindow#fit}. */
  static Conversation fit(String systemPrompt, List<Message> all, Integer maxTokens) {
    ContextWindow.Fit fit = ContextWindow.fit(systemPrompt, all, maxTokens);
    return new Conversation(
        systemPrompt, fit.messages(), all.size(), fit.totalTokens(), fit.truncated());
  }
}
