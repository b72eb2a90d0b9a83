package org.llmplatform.session.store;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.RecordedAppend;
import org.llmplatform.api.session.Session;
import org.llmplatform.api.session.SessionPage;
import org.llmplatform.session.SessionProperties;
import org.llmplatform.session.context.ContextWindow;
import reactor.core.publisher.Mono;

/**
 * The session rules, whatever the {@link SessionStorage}: random ids (a malformed one names no
 * session), the time of every write, the limits, the TTL, the system prompt's tokens, and what
 * identifies an append's request. The storage (Redis, or this process's memory, chosen by {@code
 * llm.session.store}) makes each step atomic and keeps the data.
 */
public final class SessionStore implements AutoCloseable {

  private final SessionStorage storage;
  private final SessionProperties properties;
  private final Clock clock;
  private final SessionIds ids = new SessionIds();

  SessionStore(SessionStorage storage, SessionProperties properties, Clock clock) {
    this.storage = storage;
    this.properties = properties;
    this.clock = clock;
  }

  /** Creates a session, unless its owner already has the most sessions allowed. */
  public Mono<CreateOutcome> create(CreateSessionRequest request) {
    long now = clock.millis();
    String systemPrompt =
        request.systemPrompt() == null || request.systemPrompt().isEmpty()
            ? null
            : request.systemPrompt();
    Session session =
        new Session(
            ids.next(),
            request.owner(),
            request.model(),
            systemPrompt,
            request.metadata(),
            Instant.ofEpochMilli(now),
            Instant.ofEpochMilli(now),
            0,
            Instant.ofEpochMilli(now + properties.ttl().toMillis()));
    long systemPromptCost = systemPrompt == null ? 0 : ContextWindow.storageBound(systemPrompt);
    return storage.create(
        new SessionStorage.NewSession(session, systemPromptCost, properties.maxSessionsPerOwner()));
  }

  /** The session, or empty when no session with this id belongs to this owner. */
  public Mono<Session> get(String owner, String id) {
    return SessionIds.isWellFormed(id) ? storage.get(owner, id) : Mono.empty();
  }

  /** Deletes a session; false when no session with this id belongs to this owner. */
  public Mono<Boolean> delete(String owner, String id) {
    return SessionIds.isWellFormed(id) ? storage.delete(owner, id) : Mono.just(false);
  }

  /** A page of the owner's live sessions, most recently written first. */
  public Mono<SessionPage> list(String owner, long offset, int limit) {
    return storage
        .list(owner, offset, limit)
        .map(
            page ->
                new SessionPage(
                    page.sessions(), page.total(), offset, limit, offset + limit < page.total()));
  }

  /**
   * Appends messages atomically. A replayed idempotency key writes nothing: with the same request
   * (its {@link AppendIdentity#requestHash}) it answers the seq of the first attempt, even when
   * {@code expected_seq} has gone stale since; with another request, {@link
   * AppendOutcome.KeyReused}. The rules in full: {@link SessionStorage.Append}.
   */
  public Mono<AppendOutcome> append(String owner, String id, AppendMessagesRequest request) {
    if (!SessionIds.isWellFormed(id)) {
      return Mono.just(new AppendOutcome.NotFound());
    }
    return storage.append(
        new SessionStorage.Append(
            owner,
            id,
            request.expectedSeq(),
            request.idempotencyKey(),
            AppendIdentity.requestHash(request),
            request.messages(),
            clock.millis(),
            properties.maxMessagesPerSession()));
  }

  /**
   * What the append with idempotency key {@code key} wrote: empty optional when no append of this
   * session had the key, empty Mono when the session is not this owner's.
   */
  public Mono<Optional<RecordedAppend>> recordedAppend(String owner, String id, String key) {
    return SessionIds.isWellFormed(id) ? storage.recordedAppend(owner, id, key) : Mono.empty();
  }

  /**
   * The part of the conversation that fits {@code maxTokens} (all of it when null; chosen as {@link
   * ContextWindow#fit} chooses), or empty when the session is not this owner's.
   */
  public Mono<Conversation> conversation(String owner, String id, Integer maxTokens) {
    return SessionIds.isWellFormed(id) ? storage.conversation(owner, id, maxTokens) : Mono.empty();
  }

  @Override
  public void close() {
    storage.close();
  }
}
