package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Nothing a client sends loses, duplicates or poisons a session turn: reused request ids, retried
 * and reused idempotency keys (one at a time and concurrently), a session-service that freezes
 * during the append, and developer messages in the chat and in the stored history.
 */
class SessionIntegrityIT {

  static Platform platform;

  @BeforeAll
  static void start() throws Exception {
    platform = Platform.get();
  }

  private static String chatUrl() {
    return platform.gatewayUrl() + "/v1/chat/completions";
  }

  private static List<String> stored(String session) throws Exception {
    Http.Answer messages =
        Http.get(
            platform.gatewayUrl() + "/v1/sessions/" + session + "/messages", platform.alphaKey);
    assertThat(messages.status()).as(messages.raw().body()).isEqualTo(200);
    var stored = new ArrayList<String>();
    for (JsonNode m : messages.json().path("messages")) {
      stored.add(m.path("role").asString() + ":" + m.path("content").asString());
    }
    return stored;
  }

  private static String content(Http.Answer answer) {
    return answer.json().path("choices").get(0).path("message").path("content").asString();
  }

  @Test
  void turnsThatReuseARequestIdAreAllStored() throws Exception {
    String session = SessionIT.createSession(platform.alphaKey);
    for (String user : List.of("one", "two", "three")) {
      Http.Answer answer =
          Http.post(
              chatUrl(),
              platform.alphaKey,
              SessionIT.turn(session, user, ""),
              "x-request-id",
              "the-same-id");
      assertThat(answer.status()).as(answer.raw().body()).isEqualTo(200);
      assertThat(answer.header("Idempotency-Key")).isNotBlank().isNotEqualTo("the-same-id");
    }
    assertThat(stored(session))
        .filteredOn(m -> m.startsWith("user:"))
        .containsExactly("user:one", "user:two", "user:three");
    assertThat(stored(session)).hasSize(6);
  }

  @Test
  void aRetryWithTheSameKeyStoresOnceAndAnswersTheStoredAnswer() throws Exception {
    String session = SessionIT.createSession(platform.alphaKey);
    // sampled, so that a second generation would most likely differ from the stored answer
    String body = SessionIT.turn(session, "tell me a story", ",\"temperature\":1.0,\"seed\":1");
    Http.Answer first = Http.post(chatUrl(), platform.alphaKey, body, "Idempotency-Key", "turn-1");
    assertThat(first.status()).as(first.raw().body()).isEqualTo(200);
    assertThat(first.header("Idempotent-Replayed")).isEqualTo("false");

    String body2 = SessionIT.turn(session, "tell me a story", ",\"temperature\":1.0,\"seed\":1");
    Http.Answer retry = Http.post(chatUrl(), platform.alphaKey, body2, "Idempotency-Key", "turn-1");

    assertThat(retry.status()).as(retry.raw().body()).isEqualTo(200);
    assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(content(retry)).isEqualTo(content(first));
    assertThat(stored(session))
        .containsExactly("user:tell me a story", "assistant:" + content(first));

    // streamed, the replay is the same answer
    List<String> events =
        Http.stream(
            chatUrl(),
            platform.alphaKey,
            body.replace("\"max_tokens\":8,", "\"max_tokens\":8,\"stream\":true,"),
            "Idempotency-Key",
            "turn-1");
    var text = new StringBuilder();
    for (String event : events.subList(0, events.size() - 1)) {
      JsonNode choices = Http.json(event).path("choices");
      if (!choices.isEmpty()) {
        text.append(choices.get(0).path("delta").path("content").asString(""));
      }
    }
    assertThat(text.toString()).isEqualTo(content(first));
    assertThat(stored(session)).hasSize(2);
  }

  @Test
  void theSameKeyForAnotherRequestIs422AndStoresNothing() throws Exception {
    String session = SessionIT.createSession(platform.alphaKey);
    Http.Answer first =
        Http.post(
            chatUrl(), platform.alphaKey, SessionIT.turn(session, "a", ""), "Idempotency-Key", "k");
    assertThat(first.status()).isEqualTo(200);

    Http.Answer reused =
        Http.post(
            chatUrl(), platform.alphaKey, SessionIT.turn(session, "b", ""), "Idempotency-Key", "k");

    assertThat(reused.status()).as(reused.raw().body()).isEqualTo(422);
    assertThat(reused.errorCode()).isEqualTo("idempotency_key_reused");
    assertThat(reused.json().path("error").path("param").asString()).isEqualTo("Idempotency-Key");
    assertThat(stored(session)).hasSize(2).first().isEqualTo("user:a");
  }

  @Test
  void concurrentRetriesWithOneKeyStoreTheTurnOnce() throws Exception {
    String session = SessionIT.createSession(platform.alphaKey);
    String body = SessionIT.turn(session, "hello", "");
    try (var pool = Executors.newFixedThreadPool(6)) {
      var answers = new ArrayList<Future<Http.Answer>>();
      for (int i = 0; i < 6; i++) {
        Callable<Http.Answer> retry =
            () -> Http.post(chatUrl(), platform.alphaKey, body, "Idempotency-Key", "same");
        answers.add(pool.submit(retry));
      }
      for (Future<Http.Answer> answer : answers) {
        // each is the turn (generated, or replayed from the session), or lost the race to a
        // concurrent attempt that had read the same history (409: retried, it replays)
        assertThat(answer.get().status()).as(answer.get().raw().body()).isIn(200, 409);
      }
    }
    Http.Answer after = Http.post(chatUrl(), platform.alphaKey, body, "Idempotency-Key", "same");
    assertThat(after.status()).isEqualTo(200);
    assertThat(after.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(stored(session)).hasSize(2).first().isEqualTo("user:hello");
  }

  @Test
  void aTurnWhoseAppendTimedOutSaysSoAndIsStoredOnceAfterTheRetry() throws Exception {
    String session = SessionIT.createSession(platform.alphaKey);
    String turn =
        "{\"model\":\""
            + Platform.TINY
            + "\",\"temperature\":0,\"max_tokens\":400,\"session_id\":\""
            + session
            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"slow append\"}]";
    var payloads = new ArrayList<String>();
    try (var events =
        Http.openStream(
            chatUrl(),
            platform.alphaKey,
            turn + ",\"stream\":true}",
            "Idempotency-Key",
            "frozen-turn")) {
      payloads.add(events.next()); // the history was read: session-service freezes now
      platform.session.suspend();
      try {
        String payload;
        while ((payload = events.next()) != null) {
          payloads.add(payload);
        }
      } finally {
        platform.session.resume();
      }
    }
    assertThat(payloads.getLast()).isEqualTo("[DONE]");
    JsonNode error = Http.json(payloads.get(payloads.size() - 2)).path("error");
    assertThat(error.path("code").asString()).as(error.toString()).isEqualTo("timeout");
    assertThat(error.path("session_turn").asString()).isEqualTo("unknown");
    assertThat(error.path("idempotency_key").asString()).isEqualTo("frozen-turn");

    // retried as the error advises (the same request, not streamed this time): whatever the
    // frozen appends did once session-service woke, the turn is in the session exactly once
    Http.Answer retry =
        Http.post(chatUrl(), platform.alphaKey, turn + "}", "Idempotency-Key", "frozen-turn");
    assertThat(retry.status()).as(retry.raw().body()).isEqualTo(200);
    assertThat(stored(session)).containsExactly("user:slow append", "assistant:" + content(retry));
    Http.Answer again =
        Http.post(chatUrl(), platform.alphaKey, turn + "}", "Idempotency-Key", "frozen-turn");
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(stored(session)).hasSize(2);
  }

  @Test
  void developerMessagesWorkInTheChatAndInTheStoredHistory() throws Exception {
    String session = SessionIT.createSession(platform.alphaKey);
    String withDeveloper =
        "{\"model\":\""
            + Platform.TINY
            + "\",\"max_tokens\":4,\"temperature\":0,\"session_id\":\""
            + session
            + "\",\"messages\":[{\"role\":\"developer\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"hi\"}]}";
    Http.Answer chat = Http.post(chatUrl(), platform.alphaKey, withDeveloper);
    assertThat(chat.status()).as(chat.raw().body()).isEqualTo(200);

    Http.Answer append =
        Http.post(
            platform.gatewayUrl() + "/v1/sessions/" + session + "/messages",
            platform.alphaKey,
            "{\"messages\":[{\"role\":\"developer\",\"content\":\"Answer in French.\"}]}");
    assertThat(append.status()).as(append.raw().body()).isIn(200, 201);

    for (int turn = 0; turn < 2; turn++) {
      Http.Answer next =
          Http.post(chatUrl(), platform.alphaKey, SessionIT.turn(session, "again", ""));
      assertThat(next.status()).as(next.raw().body()).isEqualTo(200);
    }
  }
}
