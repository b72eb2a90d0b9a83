package org.llmplatform.gateway.chat;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.client.Downstreams;
import org.llmplatform.gateway.client.SessionClient;
import org.llmplatform.gateway.client.SessionClient.Turn;
import org.llmplatform.gateway.error.ApiException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The session hops: reads a conversation's history within the token budget the model leaves, and
 * after the answer appends the new messages and the answer as one turn (idempotency key = request
 * id, expected_seq = the seq that was read: a concurrent turn makes it 409).
 */
@Component
class ConversationStore {

  private final SessionClient sessions;

  ConversationStore(Downstreams downstreams) {
    this.sessions = downstreams.sessions();
  }

  Mono<Conversation> load(String sessionId, Tenant tenant, List<ChatMessage> added, int budget) {
    List<Turn> turns = added.stream().map(m -> new Turn(m.role(), m.content(), null)).toList();
    if (sessionId == null) {
      return Mono.just(Conversation.withoutSession(turns));
    }
    return sessions
        .history(sessionId, tenant.id(), Math.max(budget, 1))
        .onErrorMap(ApiException.class, ConversationStore::sessionNotFound)
        .map(history -> new Conversation(sessionId, history.messages(), turns, history.seq()));
  }

  Mono<Void> append(
      Conversation conversation,
      Tenant tenant,
      String answer,
      int promptTokens,
      int completionTokens,
      String requestId) {
    if (conversation.sessionId() == null) {
      return Mono.empty();
    }
    var turn = new ArrayList<Turn>();
    Integer perMessage = addedTokens(conversation, promptTokens);
    for (Turn message : conversation.added()) {
      turn.add(new Turn(message.role(), message.content(), perMessage));
    }
    turn.add(new Turn("assistant", answer, completionTokens));
    return sessions
        .append(conversation.sessionId(), tenant.id(), turn, conversation.seq(), requestId)
        .onErrorMap(ApiException.class, ConversationStore::sessionNotFound);
  }

  /** The prompt tokens of the new messages, split evenly, when the history's counts are known. */
  private static Integer addedTokens(Conversation conversation, int promptTokens) {
    int history = 0;
    for (Turn turn : conversation.history()) {
      if (turn.tokenCount() == null) {
        return null;
      }
      history += turn.tokenCount();
    }
    int added = promptTokens - history;
    return added > 0 ? Math.max(1, added / conversation.added().size()) : null;
  }

  private static ApiException sessionNotFound(ApiException e) {
    return e.status() == HttpStatus.NOT_FOUND
        ? ApiException.notFound("session_not_found", "session_id", e.getMessage())
        : e;
  }
}
