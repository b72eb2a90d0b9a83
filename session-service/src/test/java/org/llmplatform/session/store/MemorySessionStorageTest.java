package org.llmplatform.session.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.session.SessionProperties;

/** The session rules on the memory storage: sliding TTL and expiry, on a clock the test moves. */
class MemorySessionStorageTest {

  private static final SessionProperties PROPERTIES =
      new SessionProperties(
          "unused:", Duration.ofSeconds(3), 10, 100, 2, SessionProperties.Store.MEMORY);

  private final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final MemorySessionStorage storage = new MemorySessionStorage(PROPERTIES.ttl(), clock);
  private final SessionStore store = new SessionStore(storage, PROPERTIES, clock);

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void anAppendSlidesTheTtlAndAnIdleSessionExpiresEverywhere() {
    String id = create("alice");
    clock.advance(Duration.ofSeconds(2));
    assertThat(append("alice", id, "still here")).isInstanceOf(AppendOutcome.Appended.class);
    clock.advance(Duration.ofSeconds(2)); // 4 s after creation, 2 s after the append

    assertThat(store.get("alice", id).block().expiresAt())
        .isEqualTo(clock.instant().plusSeconds(1));
    assertThat(store.conversation("alice", id, null).block().messages()).hasSize(1);
    assertThat(store.list("alice", 0, 10).block().total()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(1));
    assertThat(store.get("alice", id).block()).isNull();
    assertThat(store.conversation("alice", id, null).block()).isNull();
    assertThat(append("alice", id, "too late")).isInstanceOf(AppendOutcome.NotFound.class);
    assertThat(store.delete("alice", id).block()).isFalse();
    assertThat(store.list("alice", 0, 10).block().total()).isZero();
  }

  @Test
  void expiredSessionsFreeTheOwnersQuotaAndTheSweepDropsThem() {
    create("alice");
    create("alice");
    assertThat(store.create(request("alice")).block())
        .isInstanceOf(CreateOutcome.QuotaReached.class);

    clock.advance(Duration.ofSeconds(3));
    storage.sweep();
    assertThat(storage.size()).isZero();
    assertThat(store.create(request("alice")).block()).isInstanceOf(CreateOutcome.Created.class);
  }

  @Test
  void aStaleExpectedSeqOrAFullSessionWritesNothingAndAReplayAnswersTheFirstSeq() {
    String id = create("alice");
    AppendMessagesRequest first =
        new AppendMessagesRequest(List.of(user("a"), user("b")), 0L, "turn-1");
    assertThat(store.append("alice", id, first).block())
        .isEqualTo(new AppendOutcome.Appended(2, false));
    assertThat(store.append("alice", id, first).block())
        .isEqualTo(new AppendOutcome.Appended(2, true));
    assertThat(
            store
                .append("alice", id, new AppendMessagesRequest(List.of(user("c")), 0L, null))
                .block())
        .isEqualTo(new AppendOutcome.SeqConflict(2));
    List<NewMessage> nine = java.util.Collections.nCopies(9, user("x"));
    assertThat(store.append("alice", id, new AppendMessagesRequest(nine, null, null)).block())
        .isEqualTo(new AppendOutcome.SessionFull(2));
    assertThat(store.conversation("alice", id, null).block().lastSeq()).isEqualTo(2);
    assertThat(store.get("mallory", id).block()).isNull();
  }

  @Test
  void aKeyReusedForAnotherRequestWritesNothingAndTheRecordedAppendIsReadBack() {
    String id = create("alice");
    AppendMessagesRequest turn =
        new AppendMessagesRequest(List.of(user("q"), user("a")), null, "k1", "hash-1");
    assertThat(store.append("alice", id, turn).block())
        .isEqualTo(new AppendOutcome.Appended(2, false));
    // the same request retried with another generated answer: a replay, nothing written
    var retried = new AppendMessagesRequest(List.of(user("q"), user("b")), null, "k1", "hash-1");
    assertThat(store.append("alice", id, retried).block())
        .isEqualTo(new AppendOutcome.Appended(2, true));
    // the same key for another request: refused, nothing written
    var other = new AppendMessagesRequest(List.of(user("z")), null, "k1", "hash-2");
    assertThat(store.append("alice", id, other).block()).isEqualTo(new AppendOutcome.KeyReused(2));
    // without request hashes, the messages identify the request
    var plain = new AppendMessagesRequest(List.of(user("p")), null, "k2");
    assertThat(store.append("alice", id, plain).block())
        .isEqualTo(new AppendOutcome.Appended(3, false));
    assertThat(store.append("alice", id, plain).block())
        .isEqualTo(new AppendOutcome.Appended(3, true));
    assertThat(
            store
                .append("alice", id, new AppendMessagesRequest(List.of(user("P")), null, "k2"))
                .block())
        .isEqualTo(new AppendOutcome.KeyReused(3));
    assertThat(store.conversation("alice", id, null).block().lastSeq()).isEqualTo(3);

    var recorded = store.recordedAppend("alice", id, "k1").block().orElseThrow();
    assertThat(recorded.requestHash()).isEqualTo("hash-1");
    assertThat(recorded.messages())
        .extracting(m -> m.seq() + m.content())
        .containsExactly("1q", "2a");
    assertThat(store.recordedAppend("alice", id, "unknown").block()).isEmpty();
    assertThat(store.recordedAppend("mallory", id, "k1").block()).isNull();
  }

  private String create(String owner) {
    return ((CreateOutcome.Created) store.create(request(owner)).block()).session().id();
  }

  private AppendOutcome append(String owner, String id, String content) {
    return store
        .append(owner, id, new AppendMessagesRequest(List.of(user(content)), null, null))
        .block();
  }

  private static CreateSessionRequest request(String owner) {
    return new CreateSessionRequest(owner, null, null, Map.of());
  }

  private static NewMessage user(String content) {
    return new NewMessage("user", content, null);
  }
}
