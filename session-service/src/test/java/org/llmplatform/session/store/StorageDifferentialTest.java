package org.llmplatform.session.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.RecordedAppend;
import org.llmplatform.api.session.Session;
import org.llmplatform.api.session.SessionPage;
import org.llmplatform.api.session.ToolCall;
import org.llmplatform.session.SessionProperties;
import org.llmplatform.session.TestRedis;
import tools.jackson.databind.json.JsonMapper;

/**
 * Differential test of the two storages: the same random operations run through {@link
 * SessionStore} on Redis (the checks of {@code create.lua} and {@code append.lua}, the window of
 * {@code messages.lua}) and on memory (the Java checks of {@link SessionStorage}, {@link
 * org.llmplatform.session.context.ContextWindow#fit}) and must get the same answers: creates past
 * the owner's quota; appends with fresh, stale and missing {@code expected_seq}, idempotency keys
 * replayed with the same request (or request hash) and reused for another, past the message limit,
 * on other owners', deleted, unknown and malformed ids; reads of sessions, pages, recorded appends
 * and windows of random budgets (tool calls and results, system messages, estimated and given token
 * counts, multi-byte text). Session ids (random in each) are compared by the order they were made
 * in; expiry instants within a minute (Redis' TTL runs on its own clock).
 */
class StorageDifferentialTest {

  private static final SessionProperties PROPERTIES =
      new SessionProperties(
          "unused:", Duration.ofHours(1), 10, 65536, 3, SessionProperties.Store.REDIS);
  private static final List<String> OWNERS = List.of("alice", "bob");
  private static final List<String> PIECES = List.of("a", "word ", "é", "漢字", "🙂", "\n");

  private static RedisClient client;

  private final MovableClock clock = new MovableClock(Instant.now());
  private final String prefix = "test:" + UUID.randomUUID() + ":";
  private final SessionStore redis =
      new SessionStore(
          new RedisSessionStorage(
              new ScriptRunner(() -> client),
              new SessionScripts(JsonMapper.builder().build(), prefix, PROPERTIES.ttl()),
              clock),
          PROPERTIES,
          clock);
  private final SessionStore memory =
      new SessionStore(new MemorySessionStorage(PROPERTIES.ttl(), clock), PROPERTIES, clock);

  /** Sessions made so far, in order. */
  private final List<Target> sessions = new ArrayList<>();

  /** Each session's handle ("#n": the n-th made), by its id in either storage. */
  private final Map<String, String> handles = new HashMap<>();

  /** Appends written with a key so far, to retry: where, what. */
  private final List<Map.Entry<Target, AppendMessagesRequest>> keyed = new ArrayList<>();

  /** The kinds of answer seen, so that the test shows it reached every branch. */
  private final Set<String> seen = new HashSet<>();

  /** A session as each storage names it, and the owner a call names. */
  private record Target(String owner, String redisId, String memoryId) {}

  @BeforeAll
  static void connect() {
    client = RedisClient.create(TestRedis.url());
  }

  @AfterAll
  static void disconnect() {
    client.shutdown();
  }

  @AfterEach
  void close() {
    redis.close();
    memory.close();
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      List<String> keys = connection.sync().keys(prefix + "*");
      if (!keys.isEmpty()) {
        connection.sync().del(keys.toArray(String[]::new));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void redisAndMemoryAnswerTheSameToTheSameOperations(long seed) {
    Random random = new Random(seed);
    for (int step = 0; step < 400; step++) {
      clock.advance(Duration.ofMillis(1 + random.nextInt(3)));
      String what = "seed " + seed + " step " + step;
      int op = random.nextInt(100);
      if (op < 12 || sessions.isEmpty()) {
        create(what, randomCreate(random));
        continue;
      }
      Target target = randomTarget(random);
      if (op < 55) {
        append(what, random, target);
      } else if (op < 65) {
        assertSame(
            what,
            redis.get(target.owner(), target.redisId()).block(),
            memory.get(target.owner(), target.memoryId()).block());
      } else if (op < 73) {
        long offset = random.nextInt(4);
        int limit = 1 + random.nextInt(4);
        assertSame(
            what,
            redis.list(target.owner(), offset, limit).block(),
            memory.list(target.owner(), offset, limit).block());
      } else if (op < 88) {
        Integer budget = random.nextInt(4) == 0 ? null : 1 + random.nextInt(200);
        Conversation inRedis = redis.conversation(target.owner(), target.redisId(), budget).block();
        assertThat(inRedis)
            .as(what + " max_tokens " + budget)
            .isEqualTo(memory.conversation(target.owner(), target.memoryId(), budget).block());
        if (inRedis != null && inRedis.truncated()) {
          seen.add("Truncated");
        }
      } else if (op < 97) {
        String key = "k" + random.nextInt(6);
        assertSame(
            what,
            redis.recordedAppend(target.owner(), target.redisId(), key).block(),
            memory.recordedAppend(target.owner(), target.memoryId(), key).block());
      } else {
        assertThat(redis.delete(target.owner(), target.redisId()).block())
            .as(what)
            .isEqualTo(memory.delete(target.owner(), target.memoryId()).block());
      }
    }
    assertThat(seen)
        .containsExactlyInAnyOrder(
            "Created",
            "QuotaReached",
            "Appended",
            "Replayed",
            "KeyReused",
            "SeqConflict",
            "SessionFull",
            "NotFound",
            "Truncated");
  }

  private void create(String what, CreateSessionRequest request) {
    CreateOutcome inRedis = redis.create(request).block();
    CreateOutcome inMemory = memory.create(request).block();
    if (inRedis instanceof CreateOutcome.Created r && inMemory instanceof CreateOutcome.Created m) {
      String handle = "#" + sessions.size();
      sessions.add(new Target(request.owner(), r.session().id(), m.session().id()));
      handles.put(r.session().id(), handle);
      handles.put(m.session().id(), handle);
      assertSame(what, r.session(), m.session());
    } else {
      assertThat(inRedis).as(what).isEqualTo(inMemory);
    }
    seen.add(inRedis.getClass().getSimpleName());
  }

  /** A new append, or (one in four) a retry of a keyed one on its session. */
  private void append(String what, Random random, Target target) {
    AppendMessagesRequest request = randomAppend(random);
    if (!keyed.isEmpty() && random.nextInt(4) == 0) {
      Map.Entry<Target, AppendMessagesRequest> earlier = keyed.get(random.nextInt(keyed.size()));
      target = earlier.getKey();
      request = retry(random, earlier.getValue(), request);
    }
    AppendOutcome inRedis = redis.append(target.owner(), target.redisId(), request).block();
    assertThat(inRedis)
        .as(what)
        .isEqualTo(memory.append(target.owner(), target.memoryId(), request).block());
    boolean replayed = inRedis instanceof AppendOutcome.Appended a && a.replayed();
    if (inRedis instanceof AppendOutcome.Appended
        && !replayed
        && request.idempotencyKey() != null) {
      keyed.add(Map.entry(target, request));
    }
    seen.add(replayed ? "Replayed" : inRedis.getClass().getSimpleName());
  }

  /** A session made, named by its owner or (one in eight) the other; now and then no session. */
  private Target randomTarget(Random random) {
    Target made = sessions.get(random.nextInt(sessions.size()));
    String owner = random.nextInt(8) == 0 ? other(made.owner()) : made.owner();
    if (random.nextInt(30) == 0) { // a well-formed id of no session, or a malformed one
      String id = random.nextBoolean() ? "sess_" + "A".repeat(22) : "sess_x";
      return new Target(owner, id, id);
    }
    return new Target(owner, made.redisId(), made.memoryId());
  }

  private void assertSame(String what, Session inRedis, Session inMemory) {
    assertThat(inRedis == null).as(what).isEqualTo(inMemory == null);
    if (inRedis != null) {
      assertThat(Duration.between(inMemory.expiresAt(), inRedis.expiresAt()).abs())
          .as(what)
          .isLessThan(Duration.ofMinutes(1));
      assertThat(comparable(inRedis)).as(what).isEqualTo(comparable(inMemory));
    }
  }

  private void assertSame(String what, SessionPage inRedis, SessionPage inMemory) {
    assertThat(inRedis.total()).as(what).isEqualTo(inMemory.total());
    assertThat(inRedis.hasMore()).as(what).isEqualTo(inMemory.hasMore());
    assertThat(inRedis.data()).as(what).hasSameSizeAs(inMemory.data());
    for (int i = 0; i < inRedis.data().size(); i++) {
      assertSame(what + " row " + i, inRedis.data().get(i), inMemory.data().get(i));
    }
  }

  private void assertSame(
      String what, Optional<RecordedAppend> inRedis, Optional<RecordedAppend> inMemory) {
    Function<Optional<RecordedAppend>, Optional<RecordedAppend>> comparable =
        recorded ->
            recorded == null
                ? null
                : recorded.map(
                    r ->
                        new RecordedAppend(
                            handles.get(r.sessionId()),
                            r.idempotencyKey(),
                            r.requestHash(),
                            r.messages()));
    assertThat(comparable.apply(inRedis)).as(what).isEqualTo(comparable.apply(inMemory));
  }

  /** The session with its id replaced by its handle and without its expiry. */
  private Session comparable(Session session) {
    return new Session(
        handles.get(session.id()),
        session.owner(),
        session.model(),
        session.systemPrompt(),
        session.metadata(),
        session.createdAt(),
        session.updatedAt(),
        session.lastSeq(),
        null);
  }

  private static String other(String owner) {
    return owner.equals(OWNERS.get(0)) ? OWNERS.get(1) : OWNERS.get(0);
  }

  private static CreateSessionRequest randomCreate(Random random) {
    String prompt =
        switch (random.nextInt(4)) {
          case 0 -> null;
          case 1 -> "";
          default -> text(random, random.nextInt(30));
        };
    return new CreateSessionRequest(
        OWNERS.get(random.nextInt(OWNERS.size())),
        random.nextBoolean() ? null : "m" + random.nextInt(3),
        prompt,
        random.nextBoolean() ? Map.of() : Map.of("app", "a" + random.nextInt(3)));
  }

  private static AppendMessagesRequest randomAppend(Random random) {
    Long expectedSeq = random.nextBoolean() ? null : (long) random.nextInt(12);
    String key = random.nextBoolean() ? null : "k" + random.nextInt(6);
    String requestHash = key != null && random.nextInt(3) == 0 ? "h" + random.nextInt(2) : null;
    return new AppendMessagesRequest(
        randomMessages(random, 1 + random.nextInt(4)), expectedSeq, key, requestHash);
  }

  /**
   * The same key again on its session, with any expected_seq: the same request, the same request
   * hash with other messages (a replay), or another request (the key reused).
   */
  private static AppendMessagesRequest retry(
      Random random, AppendMessagesRequest earlier, AppendMessagesRequest other) {
    Long expectedSeq = random.nextBoolean() ? earlier.expectedSeq() : other.expectedSeq();
    List<NewMessage> messages = random.nextBoolean() ? earlier.messages() : other.messages();
    String requestHash = random.nextBoolean() ? earlier.requestHash() : other.requestHash();
    return new AppendMessagesRequest(messages, expectedSeq, earlier.idempotencyKey(), requestHash);
  }

  private static List<NewMessage> randomMessages(Random random, int count) {
    List<NewMessage> messages = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Integer tokens = random.nextBoolean() ? null : random.nextInt(40);
      String text = text(random, random.nextInt(20));
      switch (random.nextInt(7)) {
        case 0 -> messages.add(new NewMessage("system", text, tokens));
        case 1 -> messages.add(NewMessage.toolResult("call_" + i, text, tokens));
        case 2 -> {
          List<ToolCall> calls = new ArrayList<>();
          for (int c = random.nextInt(3); c >= 0; c--) {
            calls.add(ToolCall.of("call_" + c, "f_" + c, "{\"q\":\"" + text + "\"}"));
          }
          messages.add(NewMessage.toolCalls(random.nextBoolean() ? null : text, calls, tokens));
        }
        case 3 -> messages.add(new NewMessage("user", text, "ann", null, null, tokens));
        default ->
            messages.add(new NewMessage(random.nextBoolean() ? "user" : "assistant", text, tokens));
      }
    }
    return messages;
  }

  private static String text(Random random, int pieces) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < pieces; i++) {
      text.append(PIECES.get(random.nextInt(PIECES.size())));
    }
    return text.toString();
  }
}
