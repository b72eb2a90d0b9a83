package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.llmplatform.session.SessionCalls.user;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.RecordedAppend;
import org.springframework.http.HttpStatus;

/**
 * Idempotency keys against real Redis: scoped to one session of one owner, a replay of the same
 * request writes nothing, the same key for another request is 422, and what an append wrote can be
 * read back by its key.
 */
class IdempotencyTest extends RedisBackedTest {

  private SessionCalls calls;

  @BeforeEach
  void setUp() {
    calls = new SessionCalls(http);
  }

  @Test
  void theSameKeyForAnotherRequestIs422AndWritesNothing() {
    String id = calls.create("alice").id();
    calls.append("alice", id, new AppendMessagesRequest(List.of(user("first")), null, "k"));

    http.post()
        .uri("/v1/sessions/{id}/messages?owner=alice", id)
        .bodyValue(new AppendMessagesRequest(List.of(user("second")), null, "k"))
        .exchange()
        .expectStatus()
        .isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("idempotency_key_reused")
        .jsonPath("$.error.param")
        .isEqualTo("idempotency_key");

    assertThat(calls.messages("alice", id, null).messages())
        .extracting(Message::content)
        .containsExactly("first");
  }

  @Test
  void aRequestHashLetsARetryWithAnotherAnswerReplay() {
    String id = calls.create("alice").id();
    var first =
        new AppendMessagesRequest(
            List.of(user("2+2?"), SessionCalls.message("assistant", "4", 1)), 0L, "turn", "h1");
    var retry =
        new AppendMessagesRequest(
            List.of(user("2+2?"), SessionCalls.message("assistant", "four", 1)), 0L, "turn", "h1");

    assertThat(calls.append("alice", id, first).replayed()).isFalse();
    var again = calls.append("alice", id, retry);

    assertThat(again.replayed()).isTrue();
    assertThat(again.seq()).isEqualTo(2);
    assertThat(calls.messages("alice", id, null).messages())
        .extracting(Message::content)
        .containsExactly("2+2?", "4");
  }

  @Test
  void keysAreScopedToTheSessionAndItsOwner() {
    String a = calls.create("alice").id();
    String b = calls.create("alice").id();
    String m = calls.create("mallory").id();
    var request = new AppendMessagesRequest(List.of(user("hi")), null, "shared-key");

    assertThat(calls.append("alice", a, request).replayed()).isFalse();
    assertThat(calls.append("alice", b, request).replayed()).isFalse();
    assertThat(calls.append("mallory", m, request).replayed()).isFalse();
    assertThat(calls.messages("alice", b, null).messages()).hasSize(1);
    assertThat(calls.messages("mallory", m, null).messages()).hasSize(1);
  }

  @Test
  void theRecordedAppendIsReadBackByItsKeyAndOnlyByItsOwner() {
    String id = calls.create("alice").id();
    calls.append("alice", id, user("before"));
    calls.append(
        "alice",
        id,
        new AppendMessagesRequest(
            List.of(user("q"), SessionCalls.message("assistant", "a", 3)), null, "t-2", "h2"));

    RecordedAppend recorded =
        http.get()
            .uri("/v1/sessions/{id}/appends/{key}?owner=alice", id, "t-2")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(RecordedAppend.class)
            .returnResult()
            .getResponseBody();
    assertThat(recorded.requestHash()).isEqualTo("h2");
    assertThat(recorded.messages())
        .extracting(msg -> msg.seq() + ":" + msg.role() + ":" + msg.content())
        .containsExactly("2:user:q", "3:assistant:a");

    http.get()
        .uri("/v1/sessions/{id}/appends/{key}?owner=alice", id, "never-used")
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("idempotency_key_not_found");
    http.get()
        .uri("/v1/sessions/{id}/appends/{key}?owner=mallory", id, "t-2")
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("session_not_found");
  }
}
