package org.llmplatform.gateway.chat;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.client.Downstreams;
import org.llmplatform.gateway.client.SessionClient;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.message.ChatMessage;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The session hops: reads a conversation's history within the token budget the model leaves, and
 * after the answer appends the new messages and the answer as one turn (the {@link TurnKey}'s key
 * and request hash; expected_seq = the seq that was read: a concurrent turn makes it 409). A turn
 * retried with the client's key that the session already holds is answered from the session.
 */
@Component
class ConversationStore {

  private final SessionClient sessions;

  ConversationStore(Downstreams downstreams) {
    this.sessions = downstreams.sessions();
  }

  Mono<Conversation> load(String sessionId, Tenant tenant, List<ChatMessage> added, int budget) {
    if (sessionId == null) {
      return Mono.just(Conversation.withoutSession(added));
    }
    return sessions
        .history(sessionId, tenant.id(), Math.max(budget, 1))
        .onErrorMap(ApiException.class, ConversationStore::sessionNotFound)
        .map(history -> new Conversation(sessionId, history.messages(), added, history.seq()));
  }

  /**
   * The answer the session stored for this key's request, when the client retries a turn that was
   * stored; empty when none was (or the key is the gateway's own); 422 when the key was used for
   * another request.
   */
  Mono<ChatMessage> storedAnswer(String sessionId, Tenant tenant, TurnKey key) {
    if (sessionId == null || !key.fromClient()) {
      return Mono.empty();
    }
    return sessions
        .recorded(sessionId, tenant.id(), key.value())
        .onErrorMap(ApiException.class, ConversationStore::sessionNotFound)
        .flatMap(
            recorded -> {
              if (recorded.isEmpty()) {
                return Mono.empty();
              }
              if (!key.requestHash().equals(recorded.get().requestHash())) {
                return Mono.error(keyReused());
              }
              List<ChatMessage> written = recorded.get().messages();
              ChatMessage last = written.isEmpty() ? null : written.getLast();
              return last != null && "assistant".equals(last.role())
                  ? Mono.just(last)
                  : Mono.error(keyReused());
            });
  }

  /**
   * @param answer the assistant's message, with its token count
   */
  Mono<Void> append(
      Conversation conversation, Tenant tenant, ChatMessage answer, int promptTokens, TurnKey key) {
    if (conversation.sessionId() == null) {
      return Mono.empty();
    }
    var turn = new ArrayList<ChatMessage>();
    Integer perMessage = addedTokens(conversation, promptTokens);
    for (ChatMessage message : conversation.added()) {
      turn.add(message.withTokenCount(perMessage));
    }
    turn.add(answer);
    return sessions
        .append(
            conversation.sessionId(),
            tenant.id(),
            turn,
            conversation.seq(),
            key.value(),
            key.requestHash())
        .onErrorMap(ApiException.class, ConversationStore::sessionNotFound)
        .onErrorMap(
            ApiException.class, e -> "idempotency_key_reused".equals(e.code()) ? keyReused() : e)
        .onErrorMap(ApiException.class, e -> e.withSessionTurn(turnState(e, key)));
  }

  /**
   * Where the turn stands after its append failed: a refusal (4xx) wrote nothing; a time-out or an
   * unavailable session-service, after the retries with the same key, may have written it.
   */
  private static ApiException.SessionTurn turnState(ApiException e, TurnKey key) {
    String state = e.status().is4xxClientError() ? "not_stored" : "unknown";
    return new ApiException.SessionTurn(state, key.value());
  }

  private static ApiException keyReused() {
    return ApiException.unprocessable(
        "idempotency_key_reused",
        TurnKey.HEADER,
        TurnKey.HEADER
            + " was used for another request of this session; use a new key for a new request");
  }

  /** The prompt tokens of the new messages, split evenly, when the history's counts are known. */
  private static Integer addedTokens(Conversation conversation, int promptTokens) {
    int history = 0;
    for (ChatMessage turn : conversation.history()) {
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
