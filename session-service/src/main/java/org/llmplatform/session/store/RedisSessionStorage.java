package org.llmplatform.session.store;

import java.time.Clock;
import java.util.Optional;
import org.llmplatform.api.session.RecordedAppend;
import org.llmplatform.api.session.Session;
import reactor.core.publisher.Mono;

/**
 * Sessions in Redis (layout in {@link SessionKeys}). Every step is one Lua script ({@link
 * SessionScripts} encodes its arguments and decodes its reply), so a session's hash, its message
 * list, its indexes, its idempotency keys and its owner's index change together or not at all, and
 * concurrent appends are serialised by Redis itself. Keys expire by Redis' own {@code PEXPIRE}.
 */
final class RedisSessionStorage implements SessionStorage {

  private final ScriptRunner redis;
  private final SessionScripts scripts;
  private final Clock clock;

  /**
   * @param clock turns the keys' remaining time to live into expiry instants, and names the now
   *     below which the owner's index forgets expired sessions
   */
  RedisSessionStorage(ScriptRunner redis, SessionScripts scripts, Clock clock) {
    this.redis = redis;
    this.scripts = scripts;
    this.clock = clock;
  }

  @Override
  public Mono<CreateOutcome> create(NewSession session) {
    return redis
        .run(scripts.create(session))
        .map(reply -> scripts.created(reply, session.session()));
  }

  @Override
  public Mono<Session> get(String owner, String id) {
    return redis
        .run(scripts.get(owner, id))
        .mapNotNull(reply -> scripts.session(reply, owner, id, clock.millis()));
  }

  @Override
  public Mono<Boolean> delete(String owner, String id) {
    return redis.run(scripts.delete(owner, id)).map(SessionScripts::deleted);
  }

  @Override
  public Mono<Page> list(String owner, long offset, int limit) {
    long now = clock.millis();
    return redis
        .run(scripts.list(owner, offset, limit, now))
        .map(reply -> scripts.page(reply, owner, now));
  }

  @Override
  public Mono<AppendOutcome> append(Append append) {
    return redis.run(scripts.append(append)).map(SessionScripts::appended);
  }

  @Override
  public Mono<Optional<RecordedAppend>> recordedAppend(String owner, String id, String key) {
    return redis
        .run(scripts.recorded(owner, id, key))
        .mapNotNull(reply -> scripts.recordedAppend(reply, id, key));
  }

  @Override
  public Mono<Conversation> conversation(String owner, String id, Integer maxTokens) {
    return redis
        .run(scripts.messages(owner, id, maxTokens))
        .mapNotNull(reply -> scripts.conversation(reply, maxTokens));
  }

  @Override
  public void close() {
    redis.close();
  }
}
