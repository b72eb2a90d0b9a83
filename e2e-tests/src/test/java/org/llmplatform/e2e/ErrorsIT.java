package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The documented client errors over HTTP, with the whole platform up. */
class ErrorsIT {

  static Platform platform;

  @BeforeAll
  static void start() throws Exception {
    platform = Platform.get();
  }

  private static Http.Answer chat(String key, String body) throws Exception {
    return Http.post(platform.gatewayUrl() + "/v1/chat/completions", key, body);
  }

  @Test
  void missingOrWrongKeyIs401() throws Exception {
    assertThat(chat(null, ChatIT.chat("")).status()).isEqualTo(401);
    Http.Answer wrong = chat("sk-wrong", ChatIT.chat(""));
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.errorCode()).isEqualTo("invalid_api_key");
  }

  @Test
  void invalidRequestIs400NamingTheField() throws Exception {
    Http.Answer bad = chat(platform.alphaKey, ChatIT.chat(",\"top_p\":7"));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().path("error").path("param").asString()).isEqualTo("top_p");
  }

  @Test
  void unknownModelIs404() throws Exception {
    Http.Answer answer =
        chat(
            platform.alphaKey,
            "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.errorCode()).isEqualTo("model_not_found");
  }

  @Test
  void promptBeyondTheContextIs400ContextLengthExceeded() throws Exception {
    String longText = "Once upon a time there was a little dog. ".repeat(60);
    Http.Answer answer =
        chat(
            platform.alphaKey,
            "{\"model\":\""
                + Platform.TINY
                + "\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\""
                + longText
                + "\"}]}");
    assertThat(answer.status()).as(answer.raw().body()).isEqualTo(400);
    assertThat(answer.errorCode()).isEqualTo("context_length_exceeded");
    assertThat(answer.json().path("error").path("message").asString())
        .matches(
            "This model's maximum context length is \\d+ tokens; the request has \\d+"
                + " \\(prompt \\d+ \\+ max_tokens 50\\)");
    Http.Answer completion =
        Http.post(
            platform.gatewayUrl() + "/v1/completions",
            platform.alphaKey,
            "{\"model\":\""
                + Platform.TINY
                + "\",\"max_tokens\":50,\"prompt\":\""
                + longText
                + "\"}");
    assertThat(completion.status()).isEqualTo(400);
    assertThat(completion.errorCode()).isEqualTo("context_length_exceeded");
  }

  @Test
  void pastRequestsPerMinuteIs429WithRetryAfter() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(chat(platform.limitedKey, ChatIT.chat(",\"max_tokens\":1")).status())
          .isEqualTo(200);
    }
    Http.Answer limited = chat(platform.limitedKey, ChatIT.chat(",\"max_tokens\":1"));
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.errorCode()).isEqualTo("rate_limit_exceeded");
    assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(1, 60);
    assertThat(chat(platform.alphaKey, ChatIT.chat(",\"max_tokens\":1")).status()).isEqualTo(200);
  }

  @Test
  void pastGeneratedTokensPerMinuteIs429() throws Exception {
    String body =
        "{\"model\":\""
            + Platform.TINY
            + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":20,\"temperature\":0}";
    Http.Answer first =
        Http.post(platform.gatewayUrl() + "/v1/completions", platform.tokenLimitedKey, body);
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.json().path("usage").path("completion_tokens").asInt()).isGreaterThan(10);
    Http.Answer second =
        Http.post(platform.gatewayUrl() + "/v1/completions", platform.tokenLimitedKey, body);
    assertThat(second.status()).isEqualTo(429);
    assertThat(second.header("Retry-After")).isNotNull();
  }
}
