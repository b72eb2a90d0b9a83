package org.llmplatform.session.store;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.Session;
import org.llmplatform.api.session.SessionPage;
import org.llmplatform.session.SessionProperties;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sessions in Redis (layout in {@link SessionKeys}). Every change is one Lua script, so a session's
 * hash, its message list, its idempotency keys and its owner's index change together or not at all,
 * and concurrent appends are serialised by Redis itself.
 *
 * <p>Every append carries an idempotency key (the caller's, else a random one), so an append that
 * Lettuce re-sends after a reconnect is a no-op: nothing is written twice.
 */
public final class RedisSessionStore implements SessionStore {

  private static final LuaScript CREATE = LuaScript.load("create");

  private static final LuaScript APPEND = LuaScript.load("append");

  private static final LuaScript GET = LuaScript.load("get");

  private static final LuaScript MESSAGES = LuaScript.load("messages");

  private static final LuaScript LIST = LuaScript.load("list");

  private static final LuaScript DELETE = LuaScript.load("delete");

  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

  private final ReactiveStringRedisTemplate redis;
  private final JsonMapper json;
  private final SessionKeys keys;
  private final SessionProperties properties;
  private final SessionIds ids = new SessionIds();
  private final Clock clock = Clock.systemUTC();

  /**
   * Until a first command has gone through, getting Spring's shared Lettuce connection may connect
   * synchronously; that first call runs off the event loop. Afterwards Lettuce keeps the same
   * connection and reconnects it in the background.
   */
  private volatile boolean connected;

  public RedisSessionStore(
      ReactiveStringRedisTemplate redis, JsonMapper json, SessionProperties properties) {
    this.redis = redis;
    this.json = json;
    this.properties = properties;
    this.keys = new SessionKeys(properties.keyPrefix());
  }

  @Override
  public Mono<CreateOutcome> create(CreateSessionRequest request) {
    String id = ids.next();
    long now = clock.millis();
    List<String> args =
        List.of(
            id,
            request.owner(),
            orEmpty(request.model()),
            orEmpty(request.systemPrompt()),
            json.writeValueAsString(request.metadata()),
            Long.toString(now),
            Long.toString(ttlMillis()),
            Integer.toString(properties.maxSessionsPerOwner()),
            keys.sessionPrefix());
    return run(CREATE, List.of(keys.session(id), keys.ownerIndex(request.owner())), args)
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
    return run(GET, List.of(keys.session(id), keys.messages(id)), List.of(owner))
        .filter(reply -> text(reply, 0).equals("OK"))
        .map(reply -> session(id, owner, reply.subList(1, reply.size()), clock.millis()));
  }

  @Override
  public Mono<Boolean> delete(String owner, String id) {
    if (!SessionIds.isWellFormed(id)) {
      return Mono.just(false);
    }
    List<String> sessionKeys =
        List.of(keys.session(id), keys.messages(id), keys.idempotency(id), keys.ownerIndex(owner));
    return run(DELETE, sessionKeys, List.of(owner, id)).map(reply -> text(reply, 0).equals("OK"));
  }

  @Override
  public Mono<SessionPage> list(String owner, long offset, int limit) {
    long now = clock.millis();
    List<String> args =
        List.of(
            owner,
            Long.toString(now),
            Long.toString(ttlMillis()),
            keys.sessionPrefix(),
            Long.toString(offset),
            Integer.toString(limit));
    return run(LIST, List.of(keys.ownerIndex(owner)), args)
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
    List<String> args = new ArrayList<>(7 + request.messages().size());
    args.add(owner);
    args.add(id);
    args.add(request.expectedSeq() == null ? "" : request.expectedSeq().toString());
    args.add(
        request.idempotencyKey() != null ? "k:" + request.idempotencyKey() : "r:" + ids.token());
    args.add(Long.toString(now));
    args.add(Long.toString(ttlMillis()));
    args.add(Integer.toString(properties.maxMessagesPerSession()));
    for (NewMessage message : request.messages()) {
      args.add(
          json.writeValueAsString(
              new StoredMessage(message.role(), message.content(), message.tokenCount(), now)));
    }
    List<String> sessionKeys =
        List.of(keys.session(id), keys.messages(id), keys.idempotency(id), keys.ownerIndex(owner));
    return run(APPEND, sessionKeys, args)
        .map(
            reply ->
                switch (text(reply, 0)) {
                  case "OK" -> new AppendOutcome.Appended(number(reply, 1), false);
                  case "REPLAY" -> new AppendOutcome.Appended(number(reply, 1), true);
                  case "NOT_FOUND" -> new AppendOutcome.NotFound();
                  case "CONFLICT" -> new AppendOutcome.SeqConflict(number(reply, 1));
                  case "FULL" -> new AppendOutcome.SessionFull(number(reply, 1));
                  default -> throw new IllegalStateException("append.lua answered " + reply);
                });
  }

  @Override
  public Mono<Conversation> conversation(String owner, String id) {
    if (!SessionIds.isWellFormed(id)) {
      return Mono.empty();
    }
    return run(MESSAGES, List.of(keys.session(id), keys.messages(id)), List.of(owner))
        .filter(reply -> text(reply, 0).equals("OK"))
        .map(
            reply -> {
              List<?> stored = (List<?>) reply.get(2);
              List<Message> messages = new ArrayList<>(stored.size());
              for (int i = 0; i < stored.size(); i++) {
                StoredMessage m = json.readValue((String) stored.get(i), StoredMessage.class);
                messages.add(
                    new Message(
                        i + 1,
                        m.role(),
                        m.content(),
                        m.tokenCount(),
                        Instant.ofEpochMilli(m.timestamp())));
              }
              return new Conversation(emptyToNull(text(reply, 1)), messages);
            });
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

  private Mono<List<?>> run(LuaScript script, List<String> keys, List<String> args) {
    Mono<List<?>> reply =
        redis.execute(script, keys, args).collectList().map(RedisSessionStore::reply);
    if (connected) {
      return reply;
    }
    return reply.subscribeOn(Schedulers.boundedElastic()).doOnSuccess(r -> connected = true);
  }

  /** The script's array reply, whether the driver emitted it whole or element by element. */
  private static List<?> reply(List<?> emitted) {
    if (emitted.size() == 1 && emitted.getFirst() instanceof List<?> whole) {
      return whole;
    }
    return emitted;
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
