package org.llmplatform.gateway.chat;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.client.Downstreams;
import org.llmplatform.gateway.client.SessionClient;
import org.llmplatform.gateway.client.TokenizerClient;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.message.ChatMessage;
import org.llmplatform.gateway.model.ServedModel;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The session hops: reads a conversation's history (within a read bound, not fitted: {@link
 * PromptBuilder} fits it), and after the answer appends the new messages and the answer as one turn
 * with each one's real token count (the {@link TurnKey}'s key and request hash; expected_seq = the
 * seq that was read: a concurrent turn makes it 409). A turn retried with the client's key that the
 * session already holds is answered from the session.
 */
@Component
class ConversationStore {

  private final SessionClient sessions;
  private final TokenizerClient tokenizer;

  ConversationStore(Downstreams downstreams) {
    this.sessions = downstreams.sessions();
    this.tokenizer = downstreams.tokenizer();
  }

  /**
   * The session's history within the read bound of a model's context ({@link #readBound}), and the
   * request's messages.
   */
  Mono<Conversation> load(
      String sessionId, Tenant tenant, List<ChatMessage> added, ServedModel model) {
    if (sessionId == null) {
      return Mono.just(Conversation.withoutSession(added));
    }
    return sessions
        .history(sessionId, tenant.id(), readBound(model))
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
   * How much history session-service reads: the newest messages whose stored counts (the system
   * prompt's and those of messages stored without one: its UTF-8 bytes / 4) add up to twice the
   * context. A bound on what is read, not a fit: a message beyond it, with the messages after it,
   * holds more tokens than the context by the real counts the gateway stores (unless a system
   * prompt takes more than a context by itself), so it could not be shown anyway; it keeps a long
   * session's read small.
   */
  static int readBound(ServedModel model) {
    return (int) Math.min(Integer.MAX_VALUE, 2L * model.contextLength());
  }

  /**
   * Appends the request's messages and the answer with their real token counts: tokenizer-service
   * renders the conversation with the answer once more and counts each message (its tokens as the
   * next turn's prompt will hold them). When that fails the request's messages keep their counts in
   * the prompt and the answer goes without one (the next turn's render counts it).
   *
   * @param answer the assistant's message
   */
  Mono<Void> append(
      PromptBuilder.Prompt prompt,
      ServedModel model,
      Tenant tenant,
      ChatMessage answer,
      TurnKey key) {
    Conversation conversation = prompt.conversation();
    if (conversation.sessionId() == null) {
      return Mono.empty();
    }
    return counted(prompt, model, answer).flatMap(turn -> store(conversation, tenant, turn, key));
  }

  /** The turn (the request's messages, then the answer), each with its real token count. */
  private Mono<List<ChatMessage>> counted(
      PromptBuilder.Prompt prompt, ServedModel model, ChatMessage answer) {
    Conversation conversation = prompt.conversation();
    var all = new ArrayList<>(conversation.messages());
    all.add(answer);
    List<ChatMessage> turn = all.subList(conversation.history().size(), all.size());
    var fromPrompt = new ArrayList<Integer>(); // the prompt's counts, none for the answer
    List<Integer> added = prompt.addedTokens();
    for (int i = 0; i < turn.size() - 1; i++) {
      fromPrompt.add(added == null ? null : added.get(i));
    }
    fromPrompt.add(null);
    return tokenizer
        .chat(model.tokenizerModel(), all, prompt.tools())
        .mapNotNull(tokens -> PromptBuilder.messageTokens(tokens, all.size()))
        .map(counts -> counts.subList(all.size() - turn.size(), all.size()))
        .onErrorResume(e -> Mono.empty())
        .defaultIfEmpty(fromPrompt)
        .map(counts -> withCounts(turn, counts));
  }

  private static List<ChatMessage> withCounts(List<ChatMessage> messages, List<Integer> counts) {
    var out = new ArrayList<ChatMessage>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      out.add(messages.get(i).withTokenCount(counts.get(i)));
    }
    return out;
  }

  private Mono<Void> store(
      Conversation conversation, Tenant tenant, List<ChatMessage> turn, TurnKey key) {
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

  private static ApiException sessionNotFound(ApiException e) {
    return e.status() == HttpStatus.NOT_FOUND
        ? ApiException.notFound("session_not_found", "session_id", e.getMessage())
        : e;
  }
}
