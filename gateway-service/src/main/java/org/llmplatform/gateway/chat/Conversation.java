package org.llmplatform.gateway.chat;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.gateway.message.ChatMessage;

/**
 * What the model is shown: the session's history (empty without a session) and the request's new
 * messages.
 *
 * @param sessionId the session, or null
 * @param history earlier messages, oldest first (a system prompt first when there is one)
 * @param added the request's messages
 * @param seq the session's sequence number when the history was read
 */
record Conversation(
    String sessionId, List<ChatMessage> history, List<ChatMessage> added, long seq) {

  Conversation {
    history = List.copyOf(history);
    added = List.copyOf(added);
  }

  static Conversation withoutSession(List<ChatMessage> added) {
    return new Conversation(null, List.of(), added, 0);
  }

  List<ChatMessage> messages() {
    var all = new ArrayList<ChatMessage>(history);
    all.addAll(added);
    return all;
  }

  /**
   * The conversation without its oldest history messages (a leading system prompt is kept) worth at
   * least {@code tokens} tokens, and without the replies left at its start (a history starts with a
   * user message, never with an answer to a dropped one); null when there is nothing left to drop.
   *
   * @param counts each message's tokens in the prompt that rendered this conversation, as
   *     tokenizer-service counted them ({@link #messages()} order); null when it could not, then
   *     only the oldest question and its replies go
   */
  Conversation withoutOldest(int tokens, List<Integer> counts) {
    int first = !history.isEmpty() && "system".equals(history.getFirst().role()) ? 1 : 0;
    if (history.size() <= first) {
      return null;
    }
    int needed = counts == null ? 1 : tokens;
    int drop = first; // history[first, drop) goes
    int dropped = 0;
    while (drop < history.size()
        && (dropped < needed || !"user".equals(history.get(drop).role()))) {
      dropped += counts == null ? 1 : counts.get(drop);
      drop++;
    }
    var kept = new ArrayList<>(history.subList(0, first));
    kept.addAll(history.subList(drop, history.size()));
    return new Conversation(sessionId, kept, added, seq);
  }
}
