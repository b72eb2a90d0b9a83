package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Without {@code llm.gateway.cors.allowed-origins}: no page of another origin may call the API. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.models.tiny.inference-url=http://127.0.0.1:1",
      "llm.gateway.tokenizer-url=http://127.0.0.1:1",
      "llm.gateway.session-url=http://127.0.0.1:1",
      "llm.gateway.api-keys[0].sha256=" + GatewayTestKeys.ALPHA_SHA256,
      "llm.gateway.api-keys[0].tenant=alpha",
    })
@AutoConfigureWebTestClient
class CorsOffByDefaultTest {

  @Autowired WebTestClient http;

  @Test
  void everyPreflightIs403AndNoAnswerCarriesCorsHeaders() {
    http.options()
        .uri("/v1/chat/completions")
        .header(HttpHeaders.ORIGIN, "http://localhost:3000")
        .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .exchange()
        .expectStatus()
        .isForbidden()
        .expectHeader()
        .doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN);
    for (String key : new String[] {GatewayTestKeys.ALPHA, "Bearer sk-wrong"}) {
      HttpHeaders headers =
          http.get()
              .uri("/v1/models")
              .header(HttpHeaders.AUTHORIZATION, key)
              .header(HttpHeaders.ORIGIN, "http://localhost:3000")
              .exchange()
              .returnResult(String.class)
              .getResponseHeaders();
      assertThat(headers.headerNames())
          .as(key)
          .noneMatch(name -> name.toLowerCase(java.util.Locale.ROOT).startsWith("access-control-"));
      assertThat(headers.getVary()).doesNotContain(HttpHeaders.ORIGIN);
    }
  }
}
