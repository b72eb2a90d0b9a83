package org.llmplatform.session.store;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.RecordedAppend;
import org.llmplatform.api.session.Session;
import org.llmplatform.api.session.SessionPage;
import org.llmplatform.session.SessionProperties;
import org.llmplatform.session.context.ContextWindow;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sessions in Redis (layout in {@link SessionKeys}). Every change is one Lua script, so a session's
 * hash, its message list, its idempotency keys and its owner's index change together or not at all,
 * and concurrent appends are serialised by Redis itself.
 *
 * <p>Every append carries an idempotency key (the caller's, else a random one), so an append that
 * Lettuce re-sends after a reconnect is a no-op: nothing is written twice.
 */
public final class RedisSessionStore implements SessionStore, AutoCloseable {

  private static final LuaScript CREATE = LuaScript.load("create");

  private static final LuaScript APPEND = LuaScript.load("append");

  private static final LuaScript GET = LuaScript.load("get");

  private static final LuaScript MESSAGES = LuaScript.load("messages");

  private static final LuaScript LIST = LuaScript.load("list");

  private static final LuaScript RECORDED = LuaScript.load("recorded");

  private static final LuaScript DELETE = LuaScript.load("delete");

  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

  private final ScriptRunner redis;
  private final JsonMapper json;
  private final ObjectWriter storedMessageWriter;
  private final ObjectReader storedMessageReader;
  private final SessionKeys keys;
  private final SessionProperties properties;
  private final SessionIds ids = new SessionIds();
  private final Clock clock = Clock.systemUTC();

  RedisSessionStore(ScriptRunner redis, JsonMapper json, SessionProperties properties) {
    this.redis = redis;
    this.json = json;
    this.storedMessageWriter = json.writerFor(StoredMessage.class);
    this.storedMessageReader = json.readerFor(StoredMessage.class);
    this.properties = properties;
    this.keys = new SessionKeys(properties.keyPrefix());
  }

  @Override
  public Mono<CreateOutcome> create(CreateSessionRequest request) {
    String id = ids.next();
    long now = clock.millis();
    String owner = request.owner();
    String[] sessionKeys = {keys.session(owner, id), keys.ownerIndex(owner)};
    return redis
        .run(
            CREATE,
            sessionKeys,
            id,
            owner,
            orEmpty(request.model()),
            orEmpty(request.systemPrompt()),
            json.writeValueAsString(request.metadata()),
            Long.toString(now),
            Long.toString(ttlMillis()),
            Integer.toString(properties.maxSessionsPerOwner()),
            keys.sessionPrefix(owner),
            Long.toString(
                request.systemPrompt() == null
                    ? 0
                    : ContextWindow.estimateTokens(request.systemPrompt())))
        .map(
            reply ->
                switch (text(reply, 0)) {
                  case "OK" ->
                      new CreateOutcome.Created(
                          new Session(
                              id,
                              request.owner(),
                              request.model(),
                              emptyToNull(orEmpty(request.systemPrompt())),
                              request.metadata(),
                              Instant.ofEpochMilli(now),
                              Instant.ofEpochMilli(now),
                              0,
                              Instant.ofEpochMilli(now + ttlMillis())));
                  case "QUOTA" -> new CreateOutcome.QuotaReached(number(reply, 1));
                  default -> throw new IllegalStateException("create.lua answered " + reply);
                });
  }

  @Override
  public Mono<Session> get(String owner, String id) {
    if (!SessionIds.isWellFormed(id)) {
      return Mono.empty();
    }
    return redis
        .run(GET, keys.all(owner, id), owner)
        .filter(reply -> text(reply, 0).equals("OK"))
        .map(reply -> session(id, owner, reply.subList(1, reply.size()), clock.millis()));
  }

  @Override
  public Mono<Boolean> delete(String owner, String id) {
    if (!SessionIds.isWellFormed(id)) {
      return Mono.just(false);
    }
    return redis
        .run(DELETE, keys.all(owner, id), owner, id)
        .map(reply -> text(reply, 0).equals("OK"));
  }

  @Override
  public Mono<SessionPage> list(String owner, long offset, int limit) {
    long now = clock.millis();
    return redis
        .run(
            LIST,
            new String[] {keys.ownerIndex(owner)},
            owner,
            Long.toString(now),
            Long.toString(ttlMillis()),
            keys.sessionPrefix(owner),
            Long.toString(offset),
            Integer.toString(limit))
        .map(
            reply -> {
              long total = number(reply, 1);
              List<Session> sessions = new ArrayList<>(reply.size() - 2);
              for (Object row : reply.subList(2, reply.size())) {
                List<?> fields = (List<?>) row;
                sessions.add(
                    session(text(fields, 0), owner, fields.subList(1, fields.size()), now));
              }
              return new SessionPage(sessions, total, offset, limit, offset + limit < total);
            });
  }

  @Override
  public Mono<AppendOutcome> append(String owner, String id, AppendMessagesRequest request) {
    if (!SessionIds.isWellFormed(id)) {
      return Mono.just(new AppendOutcome.NotFound());
    }
    long now = clock.millis();
    List<NewMessage> messages = request.messages();
    int k = messages.size();
    String[] args = new String[9 + 2 * k];
    args[0] = owner;
    args[1] = id;
    args[2] = request.expectedSeq() == null ? "" : request.expectedSeq().toString();
    args[3] =
        request.idempotencyKey() != null ? storedKey(request.idempotencyKey()) : "r:" + ids.token();
    args[4] = Long.toString(now);
    args[5] = Long.toString(ttlMillis());
    args[6] = Integer.toString(properties.maxMessagesPerSession());
    args[8] = AppendIdentity.requestHash(request);
    long systemTokens = 0;
    for (int i = 0; i < k; i++) {
      NewMessage message = messages.get(i);
      args[9 + i] = storedMessageWriter.writeValueAsString(StoredMessage.of(message, now));
      long cost = ContextWindow.tokens(message);
      boolean system = ContextWindow.isSystem(message.role());
      args[9 + k + i] = system ? "s" + cost : Long.toString(cost);
      systemTokens += system ? cost : 0;
    }
    args[7] = Long.toString(systemTokens);
    return redis
        .run(APPEND, keys.all(owner, id), args)
        .map(
            reply ->
                switch (text(reply, 0)) {
                  case "OK" -> new AppendOutcome.Appended(number(reply, 1), false);
                  case "REPLAY" -> new AppendOutcome.Appended(number(reply, 1), true);
                  case "KEY_REUSED" -> new AppendOutcome.KeyReused(number(reply, 1));
                  case "NOT_FOUND" -> new AppendOutcome.NotFound();
                  case "CONFLICT" -> new AppendOutcome.SeqConflict(number(reply, 1));
                  case "FULL" -> new AppendOutcome.SessionFull(number(reply, 1));
                  default -> throw new IllegalStateException("append.lua answered " + reply);
                });
  }

  @Override
  public Mono<Optional<RecordedAppend>> recordedAppend(String owner, String id, String key) {
    if (!SessionIds.isWellFormed(id)) {
      return Mono.empty();
    }
    return redis
        .run(RECORDED, keys.all(owner, id), owner, storedKey(key))
        .mapNotNull(
            reply ->
                switch (text(reply, 0)) {
                  case "NOT_FOUND" -> null;
                  case "NO_KEY" -> Optional.empty();
                  case "OK" -> {
                    long first = number(reply, 1);
                    List<Message> written = new ArrayList<>(reply.size() - 3);
                    for (int i = 3; i < reply.size(); i++) {
                      written.add(message(first + i - 3, reply.get(i)));
                    }
                    yield Optional.of(
                        new RecordedAppend(id, key, emptyToNull(text(reply, 2)), written));
                  }
                  default -> throw new IllegalStateException("recorded.lua answered " + reply);
                });
  }

  /** A caller's key as the idempotency hash stores it (beside the random keys of keyless ones). */
  private static String storedKey(String key) {
    return "k:" + key;
  }

  @Override
  public Mono<Conversation> conversation(String owner, String id, Integer maxTokens) {
    if (!SessionIds.isWellFormed(id)) {
      return Mono.empty();
    }
    String budget = maxTokens == null ? "" : maxTokens.toString();
    return redis
        .run(MESSAGES, keys.all(owner, id), owner, budget)
        .mapNotNull(
            reply ->
                switch (text(reply, 0)) {
                  case "NOT_FOUND" -> null;
                  case "ALL" -> {
                    List<Message> all = new ArrayList<>(reply.size() - 2);
                    for (int i = 2; i < reply.size(); i++) {
                      all.add(message(i - 1, reply.get(i)));
                    }
                    yield Conversation.fit(emptyToNull(text(reply, 1)), all, maxTokens);
                  }
                  case "WINDOW" -> window(reply);
                  default -> throw new IllegalStateException("messages.lua answered " + reply);
                });
  }

  /**
   * The window messages.lua chose: {'WINDOW', system prompt, first, last, tokens, e, e times (seq,
   * message) of the system messages before first, then the messages first..last}.
   */
  private Conversation window(List<?> reply) {
    long first = number(reply, 2);
    int earlier = (int) number(reply, 5);
    int suffixAt = 6 + 2 * earlier;
    List<Message> kept = new ArrayList<>(earlier + reply.size() - suffixAt);
    for (int i = 6; i < suffixAt; i += 2) {
      kept.add(message(number(reply, i), reply.get(i + 1)));
    }
    for (int i = suffixAt; i < reply.size(); i++) {
      kept.add(message(first + i - suffixAt, reply.get(i)));
    }
    // Older messages were left out unless all those before the suffix are system messages.
    boolean truncated = first - 1 > earlier;
    return new Conversation(
        emptyToNull(text(reply, 1)), kept, number(reply, 3), number(reply, 4), truncated);
  }

  private Message message(long seq, Object stored) {
    return storedMessageReader.<StoredMessage>readValue((String) stored).at(seq);
  }

  @Override
  public void close() {
    redis.close();
  }

  /** fields: model, system prompt, metadata, created, updated, last seq, ttl ms. */
  private Session session(String id, String owner, List<?> fields, long now) {
    long ttlLeft = number(fields, 6);
    return new Session(
        id,
        owner,
        emptyToNull(text(fields, 0)),
        emptyToNull(text(fields, 1)),
        json.readValue(text(fields, 2), STRING_MAP),
        Instant.ofEpochMilli(number(fields, 3)),
        Instant.ofEpochMilli(number(fields, 4)),
        number(fields, 5),
        ttlLeft < 0 ? null : Instant.ofEpochMilli(now + ttlLeft));
  }

  private long ttlMillis() {
    return properties.ttl().toMillis();
  }

  private static String text(List<?> reply, int index) {
    Object value = reply.get(index);
    return value == null ? "" : value.toString();
  }

  private static long number(List<?> reply, int index) {
    return Long.parseLong(text(reply, index));
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  private static String emptyToNull(String value) {
    return value.isEmpty() ? null : value;
  }
}
