package org.llmplatform.inference.drain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The drain at shutdown over HTTP, with a real engine over stories260K whose loop is held until the
 * test lets it run: a generation streaming when the drain starts is answered to its end, the drain
 * waits for it, a new generation meanwhile gets 503 {@code draining}, and the service reports that
 * it refuses traffic.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "spring.main.allow-bean-definition-overriding=true")
@DirtiesContext
class DrainTest {

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
      return new InferenceEngine(executor, new EngineSettings(4, 8, 1L << 28), EngineMetrics.NONE);
    }
  }

  @LocalServerPort int port;
  @Autowired InferenceEngine engine;
  @Autowired Drain drain;
  @Autowired ApplicationAvailability availability;

  @Test
  void aStreamInFlightIsAnsweredToItsEndWhileNewGenerationsAreRefused() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    CountDownLatch streamEnded = new CountDownLatch(1);
    WebClient.create("http://localhost:" + port)
        .post()
        .uri("/v1/internal/generate")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            Map.of(
                "input_ids",
                List.of(1, 2, 3),
                "max_new_tokens",
                40,
                "ignore_eos",
                true,
                "stream",
                true))
        .retrieve()
        .bodyToFlux(String.class)
        .doFinally(signal -> streamEnded.countDown())
        .subscribe(events::add, e -> events.add("error: " + e));
    await(() -> engine.waitingRequests() == 1);
    assertThat(drain.inFlight()).isEqualTo(1);

    CountDownLatch drained = new CountDownLatch(1);
    drain.stop(drained::countDown);
    await(() -> availability.getReadinessState() == ReadinessState.REFUSING_TRAFFIC);

    ErrorBody refused =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .build()
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(Map.of("input_ids", List.of(1, 2, 3)))
            .exchange()
            .expectStatus()
            .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody();
    assertThat(refused.error().code()).isEqualTo("draining");
    // the refused exchange counts out once the server has finished writing it, a moment after
    // the client read it; then only the held stream is in flight, and the drain still waits
    await(() -> drain.inFlight() == 1);
    assertThat(drained.getCount()).as("the drain waits for the stream").isEqualTo(1);

    engine.start(); // the held generation runs now
    assertThat(drained.await(30, TimeUnit.SECONDS)).as("drained").isTrue();
    // the server wrote it all before the drain ended; the client reads the last bytes just after
    assertThat(streamEnded.await(10, TimeUnit.SECONDS)).as("the stream ended").isTrue();
    assertThat(events).noneMatch(e -> e.startsWith("error"));
    assertThat(events.getLast()).contains("\"finish_reason\"");
    assertThat(events.stream().filter(e -> e.contains("\"token_id\"")).count()).isEqualTo(40);
  }

  static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(condition.getAsBoolean()).isTrue();
  }
}
