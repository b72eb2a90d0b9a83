package org.llmplatform.tokenizer.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.llmplatform.tokenizer.model.TestModels;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code /actuator/prometheus} answers, without the internal token, with the service's request
 * metrics: what the Helm chart's ServiceMonitor scrapes.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "llm.internal.token=0123456789abcdef-metrics")
@AutoConfigureWebTestClient
class MetricsEndpointTest {

  @DynamicPropertySource
  static void models(DynamicPropertyRegistry registry) {
    registry.add("llm.tokenizer.models.gqa.dir", TestModels::tinyLlamaGqa);
    registry.add("llm.tokenizer.default-model", () -> "gqa");
  }

  @Autowired WebTestClient http;

  @Test
  void prometheusIsScrapedWithoutTheInternalToken() {
    http.get().uri("/v1/internal/tokenizer?model=gqa").exchange().expectStatus().isUnauthorized();
    String body =
        http.get()
            .uri("/actuator/prometheus")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    assertThat(body).contains("http_server_requests_seconds_count").contains("jvm_memory_used");
  }
}
