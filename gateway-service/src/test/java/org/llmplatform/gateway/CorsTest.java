package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * CORS through the whole filter chain, with API keys configured: a preflight is answered before the
 * key check, and every answer to an allowed origin carries the CORS headers, errors included.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.models.tiny.inference-url=http://127.0.0.1:1",
      "llm.gateway.tokenizer-url=http://127.0.0.1:1",
      "llm.gateway.session-url=http://127.0.0.1:1",
      "llm.gateway.resilience.retries=0",
      "llm.gateway.api-keys[0].sha256=" + GatewayTestKeys.ALPHA_SHA256,
      "llm.gateway.api-keys[0].tenant=alpha",
      "llm.gateway.api-keys[1].sha256=" + GatewayTestKeys.BETA_SHA256,
      "llm.gateway.api-keys[1].tenant=beta",
      "llm.gateway.api-keys[1].requests-per-minute=1",
      "llm.gateway.cors.allowed-origins=" + CorsTest.APP + ",http://localhost:3000",
    })
@AutoConfigureWebTestClient
class CorsTest {

  static final String APP = "https://app.example.com";

  @Autowired WebTestClient http;
  @Autowired ReactiveStringRedisTemplate redis;

  @BeforeEach
  void resetBetaBucket() {
    redis
        .delete(
            "llm:gateway:ratelimit:" + GatewayTestKeys.BETA_SHA256.substring(0, 12) + ":requests")
        .block();
  }

  @Test
  void preflightFromAnAllowedOriginIsAnsweredWithoutAKey() {
    http.options()
        .uri("/v1/chat/completions")
        .header(HttpHeaders.ORIGIN, APP)
        .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization,content-type,x-stainless-lang,x-stainless-retry-count,x-request-id")
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, APP)
        .expectHeader()
        .value(
            HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS,
            methods -> assertThat(methods).contains("POST").contains("DELETE"))
        .expectHeader()
        .value(
            HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS,
            allowed ->
                assertThat(allowed)
                    .contains("authorization", "content-type", "x-stainless-retry-count"))
        .expectHeader()
        .doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS)
        .expectHeader()
        .doesNotExist(HttpHeaders.WWW_AUTHENTICATE)
        .expectHeader()
        .exists("x-request-id");
  }

  @Test
  void preflightFromAnotherOriginIs403WithoutCorsHeaders() {
    http.options()
        .uri("/v1/chat/completions")
        .header(HttpHeaders.ORIGIN, "https://evil.example.com")
        .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
        .exchange()
        .expectStatus()
        .isForbidden()
        .expectHeader()
        .doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN)
        .expectHeader()
        .doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS);
  }

  @Test
  void a401ToAnAllowedOriginCarriesTheCorsHeaders() {
    http.get()
        .uri("/v1/models")
        .header(HttpHeaders.ORIGIN, APP)
        .exchange()
        .expectStatus()
        .isUnauthorized()
        .expectHeader()
        .valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, APP)
        .expectHeader()
        .value(HttpHeaders.VARY, vary -> assertThat(vary).contains(HttpHeaders.ORIGIN))
        .expectHeader()
        .value(
            HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS,
            exposed -> assertThat(exposed).contains("x-request-id").contains("Retry-After"))
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("invalid_api_key");
  }

  @Test
  void successAndErrorJsonToAnAllowedOriginCarryTheCorsHeaders() {
    http.get()
        .uri("/v1/models")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .header(HttpHeaders.ORIGIN, "http://localhost:3000")
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "http://localhost:3000");
    chat(
            GatewayTestKeys.ALPHA,
            "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        .expectStatus()
        .isNotFound()
        .expectHeader()
        .valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, APP)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("model_not_found");
    chat(GatewayTestKeys.ALPHA, "{\"model\":\"tiny\",\"messages\":[]}")
        .expectStatus()
        .isBadRequest()
        .expectHeader()
        .valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, APP);
  }

  @Test
  void a429ToAnAllowedOriginCarriesTheCorsHeadersAndExposesRetryAfter() {
    String body = "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    chat(GatewayTestKeys.BETA, body).expectStatus().isNotFound();
    chat(GatewayTestKeys.BETA, body)
        .expectStatus()
        .isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
        .expectHeader()
        .exists(HttpHeaders.RETRY_AFTER)
        .expectHeader()
        .valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, APP)
        .expectHeader()
        .value(
            HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS,
            exposed -> assertThat(exposed).contains("Retry-After"));
  }

  @Test
  void anotherOriginGetsTheAnswerWithoutCorsHeaders() {
    http.get()
        .uri("/v1/models")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .header(HttpHeaders.ORIGIN, "https://evil.example.com")
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN)
        .expectHeader()
        .doesNotExist(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS);
  }

  private WebTestClient.ResponseSpec chat(String key, String body) {
    return http.post()
        .uri("/v1/chat/completions")
        .header(HttpHeaders.AUTHORIZATION, key)
        .header(HttpHeaders.ORIGIN, APP)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange();
  }
}
