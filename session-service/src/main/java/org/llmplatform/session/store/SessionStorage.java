package org.llmplatform.session.store;

import java.util.List;
import java.util.Optional;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.RecordedAppend;
import org.llmplatform.api.session.Session;
import reactor.core.publisher.Mono;

/**
 * Where {@link SessionStore} keeps sessions: {@link RedisSessionStorage} or {@link
 * MemorySessionStorage}. Each step is atomic (one Lua script; one monitor) and is given every value
 * it writes (ids, times, token counts, request hashes) and every limit it enforces, so the two
 * differ only in where the data lives and how it expires (the TTL each is built with).
 *
 * <p>What a step decides inside its atomic section is stated here once, in Java ({@link
 * NewSession#outcomeWithoutWriting}, {@link Append#outcomeWithoutWriting}): the memory storage
 * calls it, {@code create.lua} and {@code append.lua} make the same checks in Lua, and {@code
 * StorageDifferentialTest} runs both storages on the same random operations.
 */
interface SessionStorage extends AutoCloseable {

  /** Stores a new session unless its owner already has the most live sessions allowed. */
  Mono<CreateOutcome> create(NewSession session);

  /** The session, or empty when no live session with this id belongs to this owner. */
  Mono<Session> get(String owner, String id);

  /** Deletes a session and all kept for it; false when it is not this owner's. */
  Mono<Boolean> delete(String owner, String id);

  /** The owner's live sessions, most recently written first (ties: greater id first). */
  Mono<Page> list(String owner, long offset, int limit);

  /** Appends messages, or answers why nothing was written. */
  Mono<AppendOutcome> append(Append append);

  /** As {@link SessionStore#recordedAppend}, for a well-formed id. */
  Mono<Optional<RecordedAppend>> recordedAppend(String owner, String id, String key);

  /** As {@link SessionStore#conversation}, for a well-formed id. */
  Mono<Conversation> conversation(String owner, String id, Integer maxTokens);

  @Override
  void close();

  /**
   * A session to store.
   *
   * @param session the session as created (no messages; {@code updatedAt} = {@code createdAt})
   * @param systemPromptCost the system prompt's cost in a window, its {@link
   *     org.llmplatform.session.context.ContextWindow#storageBound storage bound} (0 when none),
   *     always kept
   * @param maxSessionsPerOwner most live sessions its owner may have
   */
  record NewSession(Session session, long systemPromptCost, int maxSessionsPerOwner) {

    /** {@link CreateOutcome.QuotaReached} when the owner has no room, else null: store it. */
    CreateOutcome outcomeWithoutWriting(long liveSessions) {
      return liveSessions >= maxSessionsPerOwner
          ? new CreateOutcome.QuotaReached(liveSessions)
          : null;
    }
  }

  /**
   * Messages to append to a session.
   *
   * @param owner who must own the session
   * @param id a well-formed session id
   * @param expectedSeq the last seq the caller saw, or null
   * @param idempotencyKey the caller's key, or null
   * @param requestHash what identifies the request ({@link AppendIdentity#requestHash})
   * @param messages 1 or more messages
   * @param now when, epoch ms: the messages' timestamp and the session's last write
   * @param maxMessagesPerSession most messages the session may hold
   */
  record Append(
      String owner,
      String id,
      Long expectedSeq,
      String idempotencyKey,
      String requestHash,
      List<NewMessage> messages,
      long now,
      int maxMessagesPerSession) {

    /**
     * The outcome when this append writes nothing, else null. In this order: a key recorded before
     * answers its seq, as a replay when the request hash is the same, else as {@link
     * AppendOutcome.KeyReused} (a stale {@code expected_seq} does not matter then); a stale {@code
     * expected_seq} is a conflict; an append past the limit finds the session full.
     *
     * @param recorded what the session recorded under this append's key, or null
     * @param lastSeq the session's last seq (0 when it has no messages)
     */
    AppendOutcome outcomeWithoutWriting(Recorded recorded, long lastSeq) {
      if (recorded != null) {
        return recorded.requestHash().equals(requestHash)
            ? new AppendOutcome.Appended(recorded.lastSeq(), true)
            : new AppendOutcome.KeyReused(recorded.lastSeq());
      }
      if (expectedSeq != null && expectedSeq != lastSeq) {
        return new AppendOutcome.SeqConflict(lastSeq);
      }
      if (lastSeq + messages.size() > maxMessagesPerSession) {
        return new AppendOutcome.SessionFull(lastSeq);
      }
      return null;
    }
  }

  /**
   * What a session keeps under an idempotency key ({@code append.lua}: {@code
   * "<lastSeq>|<count>|<requestHash>"}).
   *
   * @param lastSeq the seq the append ended at
   * @param count how many messages it wrote
   * @param requestHash what identified its request
   */
  record Recorded(long lastSeq, int count, String requestHash) {}

  /**
   * One page of an owner's sessions.
   *
   * @param total the owner's live sessions
   * @param sessions those of the page
   */
  record Page(long total, List<Session> sessions) {}
}
