package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Multi-turn conversations through the gateway, kept by session-service in real Redis. */
class SessionIT {

  static Platform platform;

  @BeforeAll
  static void start() throws Exception {
    platform = Platform.get();
  }

  static String createSession(String key) throws Exception {
    Http.Answer created =
        Http.post(
            Platform.get().gatewayUrl() + "/v1/sessions",
            key,
            "{\"model\":\"" + Platform.TINY + "\",\"system_prompt\":\"You are terse.\"}");
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    return created.json().path("id").asString();
  }

  static String turn(String session, String user, String extra) {
    return "{\"model\":\""
        + Platform.TINY
        + "\",\"temperature\":0,\"max_tokens\":8,"
        + "\"session_id\":\""
        + session
        + "\","
        + "\"messages\":[{\"role\":\"user\",\"content\":"
        + Http.JSON.writeValueAsString(user)
        + "}]"
        + extra
        + "}";
  }

  @Test
  void theSecondTurnsPromptHoldsTheFirstTurn() throws Exception {
    String session = createSession(platform.alphaKey);
    Http.Answer first =
        Http.post(
            platform.gatewayUrl() + "/v1/chat/completions",
            platform.alphaKey,
            turn(session, "Hi there", ""));
    assertThat(first.status()).as(first.raw().body()).isEqualTo(200);
    assertThat(first.json().path("session_id").asString()).isEqualTo(session);
    String answer1 = first.json().path("choices").get(0).path("message").path("content").asString();

    Http.Answer second =
        Http.post(
            platform.gatewayUrl() + "/v1/chat/completions",
            platform.alphaKey,
            turn(session, "And then?", ""));
    assertThat(second.status()).as(second.raw().body()).isEqualTo(200);
    String answer2 =
        second.json().path("choices").get(0).path("message").path("content").asString();

    int expected =
        Expected.chatPromptTokens(
            platform,
            Platform.TINY,
            List.of(
                List.of("system", "You are terse."),
                List.of("user", "Hi there"),
                List.of("assistant", answer1),
                List.of("user", "And then?")));
    assertThat(second.json().path("usage").path("prompt_tokens").asInt()).isEqualTo(expected);

    Http.Answer messages =
        Http.get(
            platform.gatewayUrl() + "/v1/sessions/" + session + "/messages", platform.alphaKey);
    assertThat(messages.status()).isEqualTo(200);
    var stored = new ArrayList<String>();
    for (JsonNode m : messages.json().path("messages")) {
      stored.add(m.path("role").asString() + ":" + m.path("content").asString());
    }
    assertThat(stored)
        .containsExactly(
            "user:Hi there", "assistant:" + answer1, "user:And then?", "assistant:" + answer2);
    // each message is stored with its real count: what the first answer and the second question
    // add to the first turn's prompt (ChatML counts a message the same whatever follows it)
    List<Integer> counts = new ArrayList<>();
    messages.json().path("messages").forEach(m -> counts.add(m.path("token_count").asInt(-1)));
    assertThat(counts).allMatch(n -> n > 0);
    assertThat(counts.get(1) + counts.get(2))
        .isEqualTo(
            second.json().path("usage").path("prompt_tokens").asInt()
                - first.json().path("usage").path("prompt_tokens").asInt());
  }

  @Test
  void anotherTenantsSessionIs404Everywhere() throws Exception {
    String session = createSession(platform.alphaKey);
    assertThat(
            Http.get(platform.gatewayUrl() + "/v1/sessions/" + session, platform.alphaKey).status())
        .isEqualTo(200);
    Http.Answer read =
        Http.get(platform.gatewayUrl() + "/v1/sessions/" + session, platform.betaKey);
    assertThat(read.status()).isEqualTo(404);
    assertThat(read.json().path("error").path("code").asString()).isEqualTo("session_not_found");
    Http.Answer chat =
        Http.post(
            platform.gatewayUrl() + "/v1/chat/completions",
            platform.betaKey,
            turn(session, "hi", ""));
    assertThat(chat.status()).isEqualTo(404);
    assertThat(chat.json().path("error").path("param").asString()).isEqualTo("session_id");
    assertThat(
            Http.delete(platform.gatewayUrl() + "/v1/sessions/" + session, platform.betaKey)
                .status())
        .isEqualTo(404);
    assertThat(
            Http.get(platform.gatewayUrl() + "/v1/sessions", platform.betaKey)
                .json()
                .path("data")
                .toString())
        .doesNotContain(session);
    assertThat(
            Http.delete(platform.gatewayUrl() + "/v1/sessions/" + session, platform.alphaKey)
                .status())
        .isIn(200, 204);
  }

  @Test
  void unknownSessionIs404() throws Exception {
    Http.Answer chat =
        Http.post(
            platform.gatewayUrl() + "/v1/chat/completions",
            platform.alphaKey,
            turn("sess_doesnotexist0000000000", "hi", ""));
    assertThat(chat.status()).isEqualTo(404);
  }

  @Test
  void aTurnOvertakenByAnotherEndsWith409ConflictAndIsNotStored() throws Exception {
    String session = createSession(platform.alphaKey);
    String slow =
        "{\"model\":\""
            + Platform.TINY
            + "\",\"temperature\":0,\"max_tokens\":400,\"stream\":true,"
            + "\"session_id\":\""
            + session
            + "\","
            + "\"messages\":[{\"role\":\"user\",\"content\":\"first\"}]}";
    var payloads = new ArrayList<String>();
    try (var events =
        Http.openStream(platform.gatewayUrl() + "/v1/chat/completions", platform.alphaKey, slow)) {
      payloads.add(events.next()); // the history was read before the first chunk
      Http.Answer other =
          Http.post(
              platform.gatewayUrl() + "/v1/sessions/" + session + "/messages",
              platform.alphaKey,
              "{\"messages\":[{\"role\":\"user\",\"content\":\"second\"}]}");
      assertThat(other.status()).as(other.raw().body()).isIn(200, 201);
      String payload;
      while ((payload = events.next()) != null) {
        payloads.add(payload);
      }
    }
    assertThat(payloads.getLast()).isEqualTo("[DONE]");
    JsonNode error = Http.json(payloads.get(payloads.size() - 2)).path("error");
    assertThat(error.path("code").asString()).isEqualTo("session_conflict");
    Http.Answer messages =
        Http.get(
            platform.gatewayUrl() + "/v1/sessions/" + session + "/messages", platform.alphaKey);
    assertThat(messages.json().path("messages").size()).isEqualTo(1);
    assertThat(messages.json().path("messages").get(0).path("content").asString())
        .isEqualTo("second");
  }
}
