package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.llmplatform.session.SessionCalls.message;
import static org.llmplatform.session.SessionCalls.user;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.AppendMessagesResponse;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.Session;
import org.llmplatform.api.session.SessionMessages;
import org.llmplatform.api.session.SessionPage;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The HTTP API end to end against real Redis: happy paths, isolation, limits and bad input. */
@TestPropertySource(
    properties = {
      "llm.session.max-messages-per-session=5",
      "llm.session.max-message-bytes=100",
      "llm.session.max-sessions-per-owner=3"
    })
class SessionApiTest extends RedisBackedTest {

  private SessionCalls calls;

  @BeforeEach
  void setUp() {
    calls = new SessionCalls(http);
  }

  @Test
  void createsAndReadsASessionWithAllItsFields() {
    Instant before = Instant.now();
    Session created =
        calls.create(
            new CreateSessionRequest("alice", "tiny-llama", "Be brief.", Map.of("app", "chat")));

    assertThat(created.id()).matches("sess_[A-Za-z0-9_-]{22}");
    assertThat(created.createdAt()).isBetween(before.minusSeconds(1), Instant.now());
    assertThat(created.lastSeq()).isZero();

    Session read =
        http.get()
            .uri("/v1/sessions/{id}?owner=alice", created.id())
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(Session.class)
            .returnResult()
            .getResponseBody();
    assertThat(read.owner()).isEqualTo("alice");
    assertThat(read.model()).isEqualTo("tiny-llama");
    assertThat(read.systemPrompt()).isEqualTo("Be brief.");
    assertThat(read.metadata()).containsExactlyEntriesOf(Map.of("app", "chat"));
    assertThat(read.createdAt()).isEqualTo(created.createdAt());
    assertThat(read.expiresAt()).isAfter(Instant.now().plus(Duration.ofHours(23)));
  }

  @Test
  void idsAreRandomAndDistinct() {
    String first = calls.create("alice").id();
    String second = calls.create("alice").id();
    assertThat(first).isNotEqualTo(second);
  }

  @Test
  void appendAnswersTheNewLastSeqAndMessagesComeBackInOrder() {
    String id = calls.create("alice").id();

    assertThat(calls.append("alice", id, user("one"), message("assistant", "two", 7)).seq())
        .isEqualTo(2);
    assertThat(calls.append("alice", id, user("three")).seq()).isEqualTo(3);

    SessionMessages all = calls.messages("alice", id, null);
    assertThat(all.messages()).extracting(Message::seq).containsExactly(1L, 2L, 3L);
    assertThat(all.messages()).extracting(Message::content).containsExactly("one", "two", "three");
    assertThat(all.messages().get(1).tokenCount()).isEqualTo(7);
    assertThat(all.messages().get(0).tokenCount()).isNull();
    assertThat(all.lastSeq()).isEqualTo(3);
    assertThat(all.truncated()).isFalse();
  }

  @Test
  void aWindowCountsTheStoredTokenCountsNotTheTextsStorageBound() {
    String id = calls.create("alice").id();
    String long40 = "x".repeat(40); // storage bound 10
    calls.append(
        "alice",
        id,
        message("user", long40, 3),
        message("assistant", long40, 4),
        message("user", long40, null),
        message("assistant", long40, 5));
    SessionMessages all = calls.messages("alice", id, null);
    assertThat(all.messages()).extracting(Message::tokenCount).containsExactly(3, 4, null, 5);
    // 5 tokens, then the message without a count costs its storage bound, 10
    assertThat(calls.messages("alice", id, 14).messages())
        .extracting(Message::seq)
        .containsExactly(4L);
    SessionMessages window = calls.messages("alice", id, 15);
    assertThat(window.messages()).extracting(Message::seq).containsExactly(3L, 4L);
    assertThat(window.truncated()).isTrue();
    // with counts on all of them (3 + 4 + 2 + 5 = 14 for 40 bytes each), only the counts
    String counted = calls.create("alice").id();
    calls.append(
        "alice",
        counted,
        message("user", long40, 3),
        message("assistant", long40, 4),
        message("user", long40, 2),
        message("assistant", long40, 5));
    assertThat(calls.messages("alice", counted, 14).messages()).hasSize(4);
    SessionMessages overByOne = calls.messages("alice", counted, 13);
    assertThat(overByOne.messages()).extracting(Message::seq).containsExactly(2L, 3L, 4L);
    assertThat(overByOne.totalTokens()).isEqualTo(11);
  }

  @Test
  void eachAppendSlidesTheTtlOfEveryKeyOfTheSession() {
    String id = calls.create("alice").id();
    calls.append("alice", id, user("hi"), SessionCalls.message("system", "be kind", null));
    String prefix = properties.keyPrefix() + "{alice}:s:" + id;
    for (String key :
        List.of(prefix, prefix + ":msgs", prefix + ":idem", prefix + ":costs", prefix + ":sys")) {
      Duration ttl = redis.getExpire(key).block();
      assertThat(ttl).as(key).isBetween(Duration.ofHours(23), Duration.ofHours(24));
    }
  }

  @Test
  void staleExpectedSeqIsAConflictAndWritesNothing() {
    String id = calls.create("alice").id();
    calls.append("alice", id, new AppendMessagesRequest(List.of(user("a")), 0L, null));

    http.post()
        .uri("/v1/sessions/{id}/messages?owner=alice", id)
        .bodyValue(new AppendMessagesRequest(List.of(user("b")), 0L, null))
        .exchange()
        .expectStatus()
        .isEqualTo(HttpStatus.CONFLICT)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("seq_conflict")
        .jsonPath("$.error.param")
        .isEqualTo("expected_seq");

    assertThat(calls.messages("alice", id, null).messages())
        .extracting(Message::content)
        .containsExactly("a");
  }

  @Test
  void retriedIdempotencyKeyWritesNothingAndAnswersTheFirstSeq() {
    String id = calls.create("alice").id();
    AppendMessagesRequest request = new AppendMessagesRequest(List.of(user("once")), 0L, "turn-1");

    AppendMessagesResponse first = calls.append("alice", id, request);
    AppendMessagesResponse retry = calls.append("alice", id, request);

    assertThat(first.seq()).isEqualTo(1);
    assertThat(first.replayed()).isFalse();
    assertThat(retry.seq()).isEqualTo(1);
    assertThat(retry.replayed()).isTrue();
    assertThat(calls.messages("alice", id, null).messages()).hasSize(1);
  }

  @Test
  void contextWindowKeepsTheSystemPromptAndTheLongestSuffixThatFits() {
    String id =
        calls
            .create(new CreateSessionRequest("alice", null, "12345678", Map.of())) // ~2 tokens
            .id();
    calls.append(
        "alice",
        id,
        message("user", "a", 5),
        message("assistant", "b", 4),
        message("user", "c", 3),
        message("assistant", "d", 2));

    SessionMessages window = calls.messages("alice", id, 8);

    assertThat(window.systemPrompt()).isEqualTo("12345678");
    assertThat(window.messages()).extracting(Message::content).containsExactly("c", "d");
    assertThat(window.totalTokens()).isEqualTo(7);
    assertThat(window.truncated()).isTrue();
    assertThat(window.lastSeq()).isEqualTo(4);
  }

  @Test
  void sessionsOfAnotherOwnerDoNotExistForThem() {
    String id = calls.create("alice").id();
    calls.append("alice", id, user("secret"));

    http.get().uri("/v1/sessions/{id}?owner=mallory", id).exchange().expectStatus().isNotFound();
    http.get()
        .uri("/v1/sessions/{id}/messages?owner=mallory", id)
        .exchange()
        .expectStatus()
        .isNotFound();
    http.post()
        .uri("/v1/sessions/{id}/messages?owner=mallory", id)
        .bodyValue(new AppendMessagesRequest(List.of(user("x")), null, null))
        .exchange()
        .expectStatus()
        .isNotFound();
    http.delete().uri("/v1/sessions/{id}?owner=mallory", id).exchange().expectStatus().isNotFound();
    assertThat(list("mallory").total()).isZero();

    assertThat(calls.messages("alice", id, null).messages()).hasSize(1);
  }

  @Test
  void unknownOrMalformedSessionIdsAreNotFound() {
    for (String id : List.of("sess_AAAAAAAAAAAAAAAAAAAAAA", "nope", "sess_*")) {
      http.get()
          .uri("/v1/sessions/{id}?owner=alice", id)
          .exchange()
          .expectStatus()
          .isNotFound()
          .expectBody()
          .jsonPath("$.error.code")
          .isEqualTo("session_not_found");
      http.post()
          .uri("/v1/sessions/{id}/messages?owner=alice", id)
          .bodyValue(new AppendMessagesRequest(List.of(user("x")), null, null))
          .exchange()
          .expectStatus()
          .isNotFound();
    }
  }

  @Test
  void deleteRemovesTheSessionAndAllItsKeys() {
    String id = calls.create("alice").id();
    calls.append("alice", id, new AppendMessagesRequest(List.of(user("x")), null, "k"));

    http.delete().uri("/v1/sessions/{id}?owner=alice", id).exchange().expectStatus().isNoContent();

    http.get().uri("/v1/sessions/{id}?owner=alice", id).exchange().expectStatus().isNotFound();
    assertThat(list("alice").total()).isZero();
    assertThat(redis.keys(properties.keyPrefix() + "*" + id + "*").collectList().block()).isEmpty();
  }

  @Test
  void listIsPagedMostRecentlyWrittenFirst() {
    String first = calls.create("alice").id();
    String second = calls.create("alice").id();
    String third = calls.create("alice").id();
    calls.append("alice", first, user("bump")); // now the most recently written

    SessionPage page1 = list("alice", "&limit=2");
    SessionPage page2 = list("alice", "&limit=2&offset=2");

    assertThat(page1.total()).isEqualTo(3);
    assertThat(page1.data()).extracting(Session::id).containsExactly(first, third);
    assertThat(page1.hasMore()).isTrue();
    assertThat(page2.data()).extracting(Session::id).containsExactly(second);
    assertThat(page2.hasMore()).isFalse();
    assertThat(page1.data().getFirst().lastSeq()).isEqualTo(1);
  }

  @Test
  void ownerSessionLimitIs429() {
    for (int i = 0; i < 3; i++) {
      calls.create("alice");
    }
    http.post()
        .uri("/v1/sessions")
        .bodyValue(new CreateSessionRequest("alice", null, null, null))
        .exchange()
        .expectStatus()
        .isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("session_limit_reached");
    calls.create("bob"); // other owners are not affected
  }

  @Test
  void messageLimitPerSessionIs422AndWritesNothing() {
    String id = calls.create("alice").id();
    calls.append("alice", id, user("1"), user("2"), user("3"), user("4"));

    http.post()
        .uri("/v1/sessions/{id}/messages?owner=alice", id)
        .bodyValue(new AppendMessagesRequest(List.of(user("5"), user("6")), null, null))
        .exchange()
        .expectStatus()
        .isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("session_full");

    assertThat(calls.append("alice", id, user("5")).seq()).isEqualTo(5);
  }

  @Test
  void oversizedMessageOrSystemPromptIs413() {
    String id = calls.create("alice").id();
    String big = "é".repeat(51); // 102 UTF-8 bytes, 51 characters

    expectError(
        http.post()
            .uri("/v1/sessions/{id}/messages?owner=alice", id)
            .bodyValue(new AppendMessagesRequest(List.of(user("ok"), user(big)), null, null))
            .exchange(),
        HttpStatus.CONTENT_TOO_LARGE,
        "messages[1].content");
    expectError(
        http.post()
            .uri("/v1/sessions")
            .bodyValue(new CreateSessionRequest("alice", null, big, null))
            .exchange(),
        HttpStatus.CONTENT_TOO_LARGE,
        "system_prompt");
    assertThat(calls.messages("alice", id, null).messages()).isEmpty();
  }

  @Test
  void bodyOverTheCodecLimitIs413() {
    String id = calls.create("alice").id();
    String body =
        "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(300_000) + "\"}]}";
    http.post()
        .uri("/v1/sessions/{id}/messages?owner=alice", id)
        .header("Content-Type", "application/json")
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("request_too_large");
  }

  @Test
  void badInputIs400NamingTheField() {
    String id = calls.create("alice").id();
    String messages = "/v1/sessions/" + id + "/messages?owner=alice";

    expectRaw("/v1/sessions", "{\"owner\":", HttpStatus.BAD_REQUEST, null, "invalid_request");
    expectRaw(messages, "{\"messages\":[{\"role\":\"user\"", HttpStatus.BAD_REQUEST, null, null);
    expectRaw("/v1/sessions", "{\"model\":\"m\"}", HttpStatus.BAD_REQUEST, "owner", null);
    expectRaw("/v1/sessions", "{\"owner\":\" \"}", HttpStatus.BAD_REQUEST, "owner", null);
    expectRaw(
        "/v1/sessions",
        "{\"owner\":\"a\",\"metadata\":{\"k\":{\"nested\":1}}}",
        HttpStatus.BAD_REQUEST,
        "metadata.k",
        null);
    expectRaw(messages, "{\"messages\":[]}", HttpStatus.BAD_REQUEST, "messages", null);
    expectRaw(
        messages,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"robot\",\"content\":\"x\"}]}",
        HttpStatus.BAD_REQUEST,
        "messages[1].role",
        null);
    expectRaw(
        messages,
        "{\"messages\":[{\"role\":\"user\"}]}",
        HttpStatus.BAD_REQUEST,
        "messages[0].content",
        null);
    expectRaw(
        messages,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"token_count\":-1}]}",
        HttpStatus.BAD_REQUEST,
        "messages[0].token_count",
        null);
    expectRaw(
        messages,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"expected_seq\":\"two\"}",
        HttpStatus.BAD_REQUEST,
        "expected_seq",
        null);
    // values are read as typed: a string for a number (or the reverse) is not coerced
    expectRaw(
        messages,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"expected_seq\":\"0\"}",
        HttpStatus.BAD_REQUEST,
        "expected_seq",
        "invalid_request");
    expectRaw(
        messages,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"token_count\":\"7\"}]}",
        HttpStatus.BAD_REQUEST,
        "messages[0].token_count",
        "invalid_request");
    expectRaw(
        messages,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"token_count\":7.5}]}",
        HttpStatus.BAD_REQUEST,
        "messages[0].token_count",
        "invalid_request");
    expectRaw(
        messages,
        "{\"messages\":[{\"role\":\"user\",\"content\":5}]}",
        HttpStatus.BAD_REQUEST,
        "messages[0].content",
        "invalid_request");
    expectRaw(
        messages,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"idempotency_key\":\"\"}",
        HttpStatus.BAD_REQUEST,
        "idempotency_key",
        null);
    expectRaw(
        "/v1/sessions/" + id + "/messages",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        HttpStatus.BAD_REQUEST,
        "owner",
        null);

    expectError(
        http.get().uri("/v1/sessions/{id}/messages?owner=alice&max_tokens=lots", id).exchange(),
        HttpStatus.BAD_REQUEST,
        "max_tokens");
    expectError(
        http.get().uri("/v1/sessions/{id}/messages?owner=alice&max_tokens=0", id).exchange(),
        HttpStatus.BAD_REQUEST,
        "max_tokens");
    expectError(
        http.get().uri("/v1/sessions?owner=alice&limit=1000").exchange(),
        HttpStatus.BAD_REQUEST,
        "limit");
    expectError(http.get().uri("/v1/sessions").exchange(), HttpStatus.BAD_REQUEST, "owner");

    assertThat(calls.messages("alice", id, null).messages()).isEmpty();
  }

  @Test
  void aFieldOfAMessageIsNamedByItsPathInParamAndMessage() {
    String id = calls.create("alice").id();
    http.post()
        .uri("/v1/sessions/{id}/messages?owner=alice", id)
        .header("Content-Type", "application/json")
        .bodyValue(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"robot\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("invalid_request")
        .jsonPath("$.error.param")
        .isEqualTo("messages[1].role")
        .jsonPath("$.error.message")
        .isEqualTo("messages[1].role must be one of system, developer, user, assistant, tool");
  }

  @Test
  void aWrongPathOrMethodIsACleanError() {
    http.get()
        .uri("/v1/nothing")
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("not_found");
    http.put()
        .uri("/v1/sessions")
        .exchange()
        .expectStatus()
        .isEqualTo(HttpStatus.METHOD_NOT_ALLOWED)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("invalid_request");
  }

  @Test
  void prometheusMetricsAreExported() {
    http.get()
        .uri("/actuator/prometheus")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(String.class)
        .value(body -> assertThat(body).contains("jvm_memory_used"));
  }

  @Test
  void healthIncludesRedis() {
    http.get()
        .uri("/actuator/health")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.components.redis.status")
        .isEqualTo("UP");
  }

  private SessionPage list(String owner) {
    return list(owner, "");
  }

  private SessionPage list(String owner, String query) {
    return http.get()
        .uri("/v1/sessions?owner=" + owner + query)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(SessionPage.class)
        .returnResult()
        .getResponseBody();
  }

  private void expectRaw(String uri, String json, HttpStatus status, String param, String code) {
    WebTestClient.BodyContentSpec body =
        http.post()
            .uri(uri)
            .header("Content-Type", "application/json")
            .bodyValue(json)
            .exchange()
            .expectStatus()
            .isEqualTo(status)
            .expectBody();
    if (param != null) {
      body.jsonPath("$.error.param").isEqualTo(param);
    }
    if (code != null) {
      body.jsonPath("$.error.code").isEqualTo(code);
    }
    body.jsonPath("$.error.message").isNotEmpty();
  }

  private static void expectError(
      WebTestClient.ResponseSpec response, HttpStatus status, String param) {
    response
        .expectStatus()
        .isEqualTo(status)
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo(param)
        .jsonPath("$.error.message")
        .isNotEmpty();
  }
}
