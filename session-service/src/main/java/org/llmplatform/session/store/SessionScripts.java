package org.llmplatform.session.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.RecordedAppend;
import org.llmplatform.api.session.Session;
import org.llmplatform.session.context.ContextWindow;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Lua scripts of {@code resources/redis/} as calls: each method pair encodes one script's keys
 * and positional arguments ({@link ScriptRunner.Call}) and decodes its array reply into the
 * storage's answer. The only place that knows the positions; each script's header comment lists
 * them. Decoders answer null where the script found no session of this owner.
 */
final class SessionScripts {

  private static final LuaScript CREATE = LuaScript.load("create");
  private static final LuaScript APPEND = LuaScript.load("append");
  private static final LuaScript GET = LuaScript.load("get");
  private static final LuaScript MESSAGES = LuaScript.load("messages");
  private static final LuaScript LIST = LuaScript.load("list");
  private static final LuaScript RECORDED = LuaScript.load("recorded");
  private static final LuaScript DELETE = LuaScript.load("delete");

  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

  private final JsonMapper json;
  private final ObjectWriter storedMessageWriter;
  private final ObjectReader storedMessageReader;
  private final SessionKeys keys;
  private final String ttlMillis;
  private final SessionIds ids = new SessionIds();

  SessionScripts(JsonMapper json, String keyPrefix, Duration ttl) {
    this.json = json;
    this.storedMessageWriter = json.writerFor(StoredMessage.class);
    this.storedMessageReader = json.readerFor(StoredMessage.class);
    this.keys = new SessionKeys(keyPrefix);
    this.ttlMillis = Long.toString(ttl.toMillis());
  }

  ScriptRunner.Call create(SessionStorage.NewSession created) {
    Session session = created.session();
    String owner = session.owner();
    return new ScriptRunner.Call(
        CREATE,
        new String[] {keys.session(owner, session.id()), keys.ownerIndex(owner)},
        session.id(),
        owner,
        orEmpty(session.model()),
        orEmpty(session.systemPrompt()),
        json.writeValueAsString(session.metadata()),
        Long.toString(session.createdAt().toEpochMilli()),
        ttlMillis,
        Integer.toString(created.maxSessionsPerOwner()),
        keys.sessionPrefix(owner),
        Long.toString(created.systemPromptCost()));
  }

  /** {'OK'} / {'QUOTA', live sessions}. */
  CreateOutcome created(List<?> reply, Session session) {
    return switch (text(reply, 0)) {
      case "OK" -> new CreateOutcome.Created(session);
      case "QUOTA" -> new CreateOutcome.QuotaReached(number(reply, 1));
      default -> throw unexpected(CREATE, reply);
    };
  }

  ScriptRunner.Call get(String owner, String id) {
    return new ScriptRunner.Call(GET, keys.all(owner, id), owner);
  }

  /** {'OK', session fields (see {@link #fromFields})} / {'NOT_FOUND'}. */
  Session session(List<?> reply, String owner, String id, long now) {
    return text(reply, 0).equals("OK")
        ? fromFields(id, owner, reply.subList(1, reply.size()), now)
        : null;
  }

  ScriptRunner.Call delete(String owner, String id) {
    return new ScriptRunner.Call(DELETE, keys.all(owner, id), owner, id);
  }

  /** {'OK'} / {'NOT_FOUND'}. */
  static boolean deleted(List<?> reply) {
    return text(reply, 0).equals("OK");
  }

  ScriptRunner.Call list(String owner, long offset, int limit, long now) {
    return new ScriptRunner.Call(
        LIST,
        new String[] {keys.ownerIndex(owner)},
        owner,
        Long.toString(now),
        ttlMillis,
        keys.sessionPrefix(owner),
        Long.toString(offset),
        Integer.toString(limit));
  }

  /** {'OK', total, {id, session fields}...}. */
  SessionStorage.Page page(List<?> reply, String owner, long now) {
    List<Session> sessions = new ArrayList<>(reply.size() - 2);
    for (Object row : reply.subList(2, reply.size())) {
      List<?> fields = (List<?>) row;
      sessions.add(fromFields(text(fields, 0), owner, fields.subList(1, fields.size()), now));
    }
    return new SessionStorage.Page(number(reply, 1), sessions);
  }

  /**
   * Every append carries an idempotency key: the caller's, else a random one, so that an append
   * Lettuce re-sends after a reconnect writes nothing twice.
   */
  ScriptRunner.Call append(SessionStorage.Append append) {
    List<NewMessage> messages = append.messages();
    int k = messages.size();
    String[] args = new String[9 + 2 * k];
    args[0] = append.owner();
    args[1] = append.id();
    args[2] = append.expectedSeq() == null ? "" : append.expectedSeq().toString();
    args[3] =
        append.idempotencyKey() != null ? callersKey(append.idempotencyKey()) : "r:" + ids.token();
    args[4] = Long.toString(append.now());
    args[5] = ttlMillis;
    args[6] = Integer.toString(append.maxMessagesPerSession());
    args[8] = append.requestHash();
    long systemTokens = 0;
    for (int i = 0; i < k; i++) {
      NewMessage message = messages.get(i);
      args[9 + i] = storedMessageWriter.writeValueAsString(StoredMessage.of(message, append.now()));
      long cost = ContextWindow.cost(message);
      boolean system = ContextWindow.isSystem(message.role());
      args[9 + k + i] = system ? "s" + cost : Long.toString(cost);
      systemTokens += system ? cost : 0;
    }
    args[7] = Long.toString(systemTokens);
    return new ScriptRunner.Call(APPEND, keys.all(append.owner(), append.id()), args);
  }

  /**
   * {'OK', seq} / {'REPLAY', seq} / {'KEY_REUSED', seq} / {'NOT_FOUND'} / {'CONFLICT', last} /
   * {'FULL', last}.
   */
  static AppendOutcome appended(List<?> reply) {
    return switch (text(reply, 0)) {
      case "OK" -> new AppendOutcome.Appended(number(reply, 1), false);
      case "REPLAY" -> new AppendOutcome.Appended(number(reply, 1), true);
      case "KEY_REUSED" -> new AppendOutcome.KeyReused(number(reply, 1));
      case "NOT_FOUND" -> new AppendOutcome.NotFound();
      case "CONFLICT" -> new AppendOutcome.SeqConflict(number(reply, 1));
      case "FULL" -> new AppendOutcome.SessionFull(number(reply, 1));
      default -> throw unexpected(APPEND, reply);
    };
  }

  ScriptRunner.Call recorded(String owner, String id, String key) {
    return new ScriptRunner.Call(RECORDED, keys.all(owner, id), owner, callersKey(key));
  }

  /** {'NOT_FOUND'} / {'NO_KEY'} / {'OK', first seq, request hash or '', message JSON...}. */
  Optional<RecordedAppend> recordedAppend(List<?> reply, String id, String key) {
    return switch (text(reply, 0)) {
      case "NOT_FOUND" -> null;
      case "NO_KEY" -> Optional.empty();
      case "OK" -> {
        long first = number(reply, 1);
        List<Message> written = new ArrayList<>(reply.size() - 3);
        for (int i = 3; i < reply.size(); i++) {
          written.add(message(first + i - 3, reply.get(i)));
        }
        yield Optional.of(new RecordedAppend(id, key, emptyToNull(text(reply, 2)), written));
      }
      default -> throw unexpected(RECORDED, reply);
    };
  }

  ScriptRunner.Call messages(String owner, String id, Integer maxTokens) {
    return new ScriptRunner.Call(
        MESSAGES, keys.all(owner, id), owner, maxTokens == null ? "" : maxTokens.toString());
  }

  /**
   * {'NOT_FOUND'}; {'ALL', system prompt, message JSON...}: the whole conversation, fitted here;
   * {'WINDOW', system prompt, first, last seq, tokens, e, e times (seq, message) of the system
   * messages before first, then the messages first..last}: the window messages.lua chose.
   */
  Conversation conversation(List<?> reply, Integer maxTokens) {
    return switch (text(reply, 0)) {
      case "NOT_FOUND" -> null;
      case "ALL" -> {
        List<Message> all = new ArrayList<>(reply.size() - 2);
        for (int i = 2; i < reply.size(); i++) {
          all.add(message(i - 1, reply.get(i)));
        }
        yield Conversation.fit(emptyToNull(text(reply, 1)), all, maxTokens);
      }
      case "WINDOW" -> {
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
        yield new Conversation(
            emptyToNull(text(reply, 1)), kept, number(reply, 3), number(reply, 4), truncated);
      }
      default -> throw unexpected(MESSAGES, reply);
    };
  }

  /** A caller's key as the idempotency hash stores it (beside the random keys of keyless ones). */
  private static String callersKey(String key) {
    return "k:" + key;
  }

  private Message message(long seq, Object stored) {
    return storedMessageReader.<StoredMessage>readValue((String) stored).at(seq);
  }

  /** fields: model, system prompt, metadata, created, updated, last seq, ttl ms (-1: none). */
  private Session fromFields(String id, String owner, List<?> fields, long now) {
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

  private static IllegalStateException unexpected(LuaScript script, List<?> reply) {
    return new IllegalStateException(script.name() + ".lua answered " + reply);
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
