package org.llmplatform.tokenizer.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.llmplatform.tokenizer.model.TestModels;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A client that gives up (the gateway's time-out) stops the render it asked for: issue 16's renders
 * went on burning CPU after the gateway had answered 504.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CancelledRenderApiTest {

  @DynamicPropertySource
  static void models(DynamicPropertyRegistry registry) {
    registry.add("llm.tokenizer.models.gqa.dir", TestModels::tinyLlamaGqa);
    registry.add(
        "llm.tokenizer.models.slow.dir",
        () -> TemplateModels.withTemplate(TemplateLimitsApiTest.SLOW));
    registry.add("llm.tokenizer.default-model", () -> "gqa");
    registry.add("llm.tokenizer.template.render-timeout", () -> "10m");
  }

  @LocalServerPort int port;

  @Test
  void aCancelledRequestStopsItsRender() throws InterruptedException {
    var sawRendering = new java.util.concurrent.atomic.AtomicBoolean();
    Thread sampler =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    sawRendering.compareAndSet(false, TemplateModels.rendering());
                    try {
                      Thread.sleep(10);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    assertThatThrownBy(
            () ->
                WebTestClient.bindToServer()
                    .baseUrl("http://127.0.0.1:" + port)
                    .responseTimeout(
                        Duration.ofSeconds(3)) // past the body's parse, into the render
                    .build()
                    .post()
                    .uri("/v1/internal/tokenize")
                    .bodyValue(Map.of("model", "slow", "messages", TemplateModels.messages(20_000)))
                    .exchange())
        .hasMessageContaining("Timeout");
    sampler.interrupt();
    assertThat(sawRendering).as("the render was running").isTrue();
    // a render left running would go on for its 10-minute limit
    TemplateModels.assertRenderingStops(Duration.ofSeconds(5));
  }
}
