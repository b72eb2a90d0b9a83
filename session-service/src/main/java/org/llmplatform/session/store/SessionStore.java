package org.llmplatform.session.store;

import java.util.Optional;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.RecordedAppend;
import org.llmplatform.api.session.Session;
import org.llmplatform.api.session.SessionPage;
import reactor.core.publisher.Mono;

/**
 * Where sessions live: {@link RedisSessionStore} (the default, shared by every replica) or {@link
 * InMemorySessionStore} (one process, for local use), chosen by {@code llm.session.store}. Both
 * keep the same rules: random ids, owner isolation, a sliding TTL, limits, {@code expected_seq}
 * conflicts and idempotent appends, each change atomic.
 */
public interface SessionStore {

  /** Creates a session, unless its owner already has the most sessions allowed. */
  Mono<CreateOutcome> create(CreateSessionRequest request);

  /** The session, or empty when no session with this id belongs to this owner. */
  Mono<Session> get(String owner, String id);

  /** Deletes a session; false when no session with this id belongs to this owner. */
  Mono<Boolean> delete(String owner, String id);

  /** A page of the owner's live sessions, most recently written first. */
  Mono<SessionPage> list(String owner, long offset, int limit);

  /**
   * Appends messages atomically. A replayed idempotency key writes nothing: with the same request
   * (its {@link AppendIdentity#requestHash}) it answers the seq of the first attempt, even when
   * {@code expected_seq} has gone stale since; with another request, {@link
   * AppendOutcome.KeyReused}.
   */
  Mono<AppendOutcome> append(String owner, String id, AppendMessagesRequest request);

  /**
   * What the append with idempotency key {@code key} wrote: empty optional when no append of this
   * session had the key, empty Mono when the session is not this owner's.
   */
  Mono<Optional<RecordedAppend>> recordedAppend(String owner, String id, String key);

  /**
   * The part of the conversation that fits {@code maxTokens} (all of it when null), or empty when
   * the session is not this owner's.
   */
  Mono<Conversation> conversation(String owner, String id, Integer maxTokens);
}
