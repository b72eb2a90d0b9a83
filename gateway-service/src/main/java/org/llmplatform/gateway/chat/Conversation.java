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
   */
  Conversation withoutOldest(int tokens) {
    int first = !history.isEmpty() && "system".equals(history.getFirst().role()) ? 1 : 0;
    if (history.size() <= first) {
      return null;
    }
    var kept = new ArrayList<>(history);
    int dropped = 0;
    while (kept.size() > first && (dropped < tokens || !"user".equals(kept.get(first).role()))) {
      dropped += estimate(kept.remove(first));
    }
    return new Conversation(sessionId, kept, added, seq);
  }

  /** Token count of a stored message: the stored one, else a rough estimate from its length. */
  static int estimate(ChatMessage turn) {
    return turn.tokenCount() != null ? turn.tokenCount() : turn.content().length() / 3 + 4;
  }
}
