package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The public HTTP contract that holds without any downstream: auth, the models list, request
 * validation, limits, error format and status, and "downstream down" (nothing listens on the
 * configured ports: a real refused connection, no double).
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.models.tiny.inference-url=http://127.0.0.1:1",
      "llm.gateway.models.other.inference-url=http://127.0.0.1:1",
      "llm.gateway.default-model=other",
      "llm.gateway.tokenizer-url=http://127.0.0.1:1",
      "llm.gateway.session-url=http://127.0.0.1:1",
      "llm.gateway.resilience.retries=0",
      "llm.gateway.limits.max-messages=3",
      "llm.gateway.limits.max-tokens=100",
      "llm.gateway.limits.max-request-bytes=10000",
      "llm.gateway.api-keys[0].sha256=" + GatewayTestKeys.ALPHA_SHA256,
      "llm.gateway.api-keys[0].tenant=alpha",
      "llm.gateway.api-keys[1].sha256=" + GatewayTestKeys.LIMITED_SHA256,
      "llm.gateway.api-keys[1].tenant=limited",
      "llm.gateway.api-keys[1].requests-per-minute=2",
    })
@AutoConfigureWebTestClient
class ApiContractTest {

  @Autowired WebTestClient http;
  @LocalServerPort int port;
  @LocalManagementPort int managementPort;
  @Autowired ReactiveStringRedisTemplate redis;

  @BeforeEach
  void resetLimitedBucket() {
    redis
        .delete(
            "llm:gateway:ratelimit:"
                + GatewayTestKeys.LIMITED_SHA256.substring(0, 12)
                + ":requests")
        .block();
  }

  @Test
  void requestWithoutKeyIs401InOpenAiFormatWithRequestId() {
    http.get()
        .uri("/v1/models")
        .exchange()
        .expectStatus()
        .isUnauthorized()
        .expectHeader()
        .exists("x-request-id")
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("invalid_request_error")
        .jsonPath("$.error.code")
        .isEqualTo("invalid_api_key")
        .jsonPath("$.error.message")
        .value(m -> assertThat((String) m).contains("Bearer"));
  }

  @Test
  void wrongKeyIs401() {
    http.get()
        .uri("/v1/models")
        .header(HttpHeaders.AUTHORIZATION, "Bearer sk-not-configured")
        .exchange()
        .expectStatus()
        .isUnauthorized()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("invalid_api_key");
  }

  @Test
  void actuatorIsOnTheManagementPortWithoutKey() {
    WebTestClient management =
        WebTestClient.bindToServer()
            .baseUrl("http://127.0.0.1:" + managementPort)
            .responseTimeout(
                java.time.Duration.ofSeconds(30)) // health pings Redis: slow when loaded
            .build();
    management.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
    management.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
    management.get().uri("/actuator/prometheus").exchange().expectStatus().isOk();
  }

  @Test
  void actuatorIsNotOnThePublicPort() {
    assertThat(managementPort).isNotEqualTo(port);
    for (String path : new String[] {"/actuator/prometheus", "/actuator/health"}) {
      http.get().uri(path).exchange().expectStatus().isUnauthorized(); // as every path but the docs
      http.get()
          .uri(path)
          .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
          .exchange()
          .expectStatus()
          .isNotFound();
    }
  }

  @Test
  void missingKeyAsksForABearerToken() {
    http.get()
        .uri("/v1/models")
        .exchange()
        .expectStatus()
        .isUnauthorized()
        .expectHeader()
        .valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"llm-platform\"");
    http.get()
        .uri("/v1/models")
        .header(HttpHeaders.AUTHORIZATION, "Basic dXNlcjpwYXNz")
        .exchange()
        .expectStatus()
        .isUnauthorized()
        .expectHeader()
        .valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"llm-platform\"");
  }

  @Test
  void wrongKeyIsAnInvalidTokenInWwwAuthenticate() {
    http.get()
        .uri("/v1/models")
        .header(HttpHeaders.AUTHORIZATION, "Bearer sk-not-configured")
        .exchange()
        .expectStatus()
        .isUnauthorized()
        .expectHeader()
        .valueEquals(
            HttpHeaders.WWW_AUTHENTICATE,
            "Bearer realm=\"llm-platform\", error=\"invalid_token\","
                + " error_description=\"invalid API key\"");
  }

  @Test
  void clientRequestIdIsEchoed() {
    http.get()
        .uri("/v1/models")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .header("x-request-id", "abc-123")
        .exchange()
        .expectHeader()
        .valueEquals("x-request-id", "abc-123");
  }

  @Test
  void modelsListsTheConfiguredModelsDefaultFirst() {
    http.get()
        .uri("/v1/models")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.object")
        .isEqualTo("list")
        .jsonPath("$.data[0].id")
        .isEqualTo("other")
        .jsonPath("$.data[0].object")
        .isEqualTo("model")
        .jsonPath("$.data[0].owned_by")
        .isEqualTo("llm-platform")
        .jsonPath("$.data[1].id")
        .isEqualTo("tiny");
  }

  @Test
  void oneModelByIdAndUnknownModelIs404() {
    http.get()
        .uri("/v1/models/tiny")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.id")
        .isEqualTo("tiny");
    http.get()
        .uri("/v1/models/nope")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("model_not_found");
  }

  @Test
  void chatWithUnknownModelIs404NamingModel() {
    chat("{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        .expectStatus()
        .isNotFound()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("model_not_found")
        .jsonPath("$.error.param")
        .isEqualTo("model");
  }

  @Test
  void invalidFieldsAre400NamingTheField() {
    badRequest("{\"model\":\"tiny\",\"messages\":[]}", "messages");
    badRequest("{\"model\":\"tiny\"}", "messages");
    badRequest(withUser("\"temperature\":3"), "temperature");
    badRequest(withUser("\"top_p\":0"), "top_p");
    badRequest(withUser("\"n\":0"), "n");
    badRequest(withUser("\"n\":9"), "n"); // llm.gateway.limits.max-choices: 8
    badRequest(withUser("\"n\":2,\"num_beams\":2"), "n");
    badRequest(withUser("\"n\":2,\"session_id\":\"s1\""), "n");
    badRequest(withUser("\"max_tokens\":0"), "max_tokens");
    badRequest(withUser("\"max_tokens\":101"), "max_tokens");
    badRequest(withUser("\"max_completion_tokens\":101"), "max_completion_tokens");
    badRequest(withUser("\"presence_penalty\":-3"), "presence_penalty");
    badRequest(withUser("\"logit_bias\":{\"abc\":1}"), "logit_bias");
    badRequest(withUser("\"top_logprobs\":5"), "top_logprobs");
    badRequest(withUser("\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]"), "stop");
    badRequest(
        "{\"model\":\"tiny\",\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}",
        "messages.role");
    badRequest(
        "{\"model\":\"tiny\",\"messages\":["
            + "{\"role\":\"user\",\"content\":\"1\"},{\"role\":\"user\",\"content\":\"2\"},"
            + "{\"role\":\"user\",\"content\":\"3\"},{\"role\":\"user\",\"content\":\"4\"}]}",
        "messages");
  }

  @Test
  void malformedJsonIs400() {
    chat("{\"model\":\"tiny\",\"messages\":[")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("invalid_request_error");
  }

  @Test
  void bodyOverTheSizeLimitIs413() {
    chat(withUser("\"user\":\"" + "x".repeat(20_000) + "\""))
        .expectStatus()
        .isEqualTo(413)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("request_too_large");
  }

  @Test
  void completionsValidatesItsPrompt() {
    for (String prompt :
        List.of("[]", "{}", "[1.5]", "[[\"a\"]]", "[\"a\",7]", "[-1]", "[[]]", "null", "7")) {
      completion("{\"model\":\"tiny\",\"prompt\":" + prompt + "}", "prompt");
    }
    completion("{\"model\":\"tiny\",\"prompt\":\"a\",\"n\":2,\"best_of\":3}", "best_of");
    completion("{\"model\":\"tiny\",\"prompt\":\"a\",\"echo\":true,\"logprobs\":1}", "echo");
    completion("{\"model\":\"tiny\",\"prompt\":\"a\",\"suffix\":\"b\"}", "suffix");
  }

  private void completion(String body, String param) {
    http.post()
        .uri("/v1/completions")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo(param);
  }

  @Test
  void downstreamThatRefusesConnectionsIs503WithRetryAfter() {
    chat(withUser("\"max_tokens\":5"))
        .expectStatus()
        .isEqualTo(503)
        .expectHeader()
        .exists(HttpHeaders.RETRY_AFTER)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("service_unavailable")
        .jsonPath("$.error.message")
        .value(m -> assertThat((String) m).contains("inference-service"));
  }

  @Test
  void sessionsRouteWithSessionServiceDownIs503() {
    http.get()
        .uri("/v1/sessions")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .exchange()
        .expectStatus()
        .isEqualTo(503)
        .expectBody()
        .jsonPath("$.error.message")
        .value(m -> assertThat((String) m).contains("session-service"));
  }

  @Test
  void pastRequestsPerMinuteIs429WithRetryAfter() {
    for (int i = 0; i < 2; i++) {
      chat(GatewayTestKeys.LIMITED, withModel("nope")).expectStatus().isNotFound();
    }
    chat(GatewayTestKeys.LIMITED, withModel("nope"))
        .expectStatus()
        .isEqualTo(429)
        .expectHeader()
        .value(HttpHeaders.RETRY_AFTER, v -> assertThat(Integer.parseInt(v)).isBetween(1, 31))
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("rate_limit_error")
        .jsonPath("$.error.code")
        .isEqualTo("rate_limit_exceeded");
    // another key is not affected
    chat(GatewayTestKeys.ALPHA, withModel("nope")).expectStatus().isNotFound();
  }

  private static String withUser(String extra) {
    return "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + extra
        + "}";
  }

  private static String withModel(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  private void badRequest(String body, String param) {
    chat(body)
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("invalid_request_error")
        .jsonPath("$.error.param")
        .isEqualTo(param);
  }

  private WebTestClient.ResponseSpec chat(String body) {
    return chat(GatewayTestKeys.ALPHA, body);
  }

  private WebTestClient.ResponseSpec chat(String key, String body) {
    return http.post()
        .uri("/v1/chat/completions")
        .header(HttpHeaders.AUTHORIZATION, key)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange();
  }
}
