package org.llmplatform.inference.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.inference.TestModels;
import org.llmplatform.inference.engine.EngineMetrics;
import org.llmplatform.inference.engine.EngineSettings;
import org.llmplatform.inference.engine.InferenceEngine;
import org.llmplatform.inference.engine.OnnxModelExecutor;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;

/**
 * The service over HTTP with a real engine over stories260K whose loop is held (not started), so
 * requests stay in the waiting queue: past max-queue the next one gets 429 overloaded at once, and
 * clients that disconnect take their requests out of the queue.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "spring.main.allow-bean-definition-overriding=true")
class OverloadAndCancellationTest {

  @BeforeAll
  static void requireModel() {
    TestModels.stories260K();
  }

  @DynamicPropertySource
  static void model(DynamicPropertyRegistry registry) {
    registry.add("llm.model.dir", () -> TestModels.stories260K().toString());
  }

  @TestConfiguration
  static class HeldEngine {
    @Bean(destroyMethod = "close")
    InferenceEngine inferenceEngine() {
      var executor =
          new OnnxModelExecutor(
              DecoderSession.open(TestModels.stories260K(), RuntimeOptions.cpuDefaults()));
      return new InferenceEngine(executor, new EngineSettings(4, 2, 1L << 28), EngineMetrics.NONE);
    }
  }

  @LocalServerPort int port;
  @Autowired InferenceEngine engine;

  Disposable waitingStream() {
    return WebClient.create("http://localhost:" + port)
        .post()
        .uri("/v1/internal/generate")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(Map.of("input_ids", List.of(1, 2, 3), "stream", true))
        .retrieve()
        .bodyToFlux(String.class)
        .subscribe(e -> {}, e -> {});
  }

  @Test
  void aFullQueueRefusesWith429AndDisconnectedClientsLeaveTheQueue() throws Exception {
    List<Disposable> clients = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      clients.add(waitingStream());
      int expected = i;
      await(() -> engine.waitingRequests() == expected);
    }
    ErrorBody error =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .build()
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(Map.of("input_ids", List.of(1, 2, 3)))
            .exchange()
            .expectStatus()
            .isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody();
    assertThat(error.error().code()).isEqualTo("overloaded");
    assertThat(engine.waitingRequests()).isEqualTo(2);

    clients.forEach(Disposable::dispose);
    await(() -> engine.waitingRequests() == 0);
  }

  static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(condition.getAsBoolean()).isTrue();
  }
}
