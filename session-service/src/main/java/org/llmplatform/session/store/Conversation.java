package org.llmplatform.session.store;

import java.util.List;
import org.llmplatform.api.session.Message;

/**
 * A session's system prompt and all its messages, read in one consistent view.
 *
 * @param systemPrompt the system prompt, or null
 * @param messages every message, in seq order
 */
public record Conversation(String systemPrompt, List<Message> messages) {
  public Conversation {
    messages = List.copyOf(messages);
  }

  public long lastSeq() {
    return messages.size();
  }
}
