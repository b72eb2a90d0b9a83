package org.llmplatform.gateway.generation;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.observability.GatewayMetricsFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

class EventStreamTest {

  private final JsonMapper json = JsonMapper.builder().build();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private static final DefaultDataBufferFactory BUFFERS = DefaultDataBufferFactory.sharedInstance;

  /** One written buffer as text (each is one write to the client). */
  private static String text(DataBuffer buffer) {
    String text = buffer.toString(StandardCharsets.UTF_8);
    DataBufferUtils.release(buffer);
    return text;
  }

  @Test
  void endsWithDone() {
    StepVerifier.create(
            EventStream.of(
                    Flux.just(List.of(Map.of("a", 1)), List.of(Map.of("b", 2), Map.of("c", 3))),
                    json,
                    GatewayMetricsFactory.of(registry),
                    BUFFERS)
                .map(EventStreamTest::text))
        .expectNext("data: {\"a\":1}\n\n", "data: {\"b\":2}\n\ndata: {\"c\":3}\n\n")
        .expectNext("data: [DONE]\n\n")
        .verifyComplete();
  }

  @Test
  void failureAfterTheFirstEventBecomesAnErrorEventThenDone() {
    var objects =
        Flux.<List<?>>just(List.of(Map.of("a", 1)))
            .concatWith(Flux.error(ApiException.timeout("inference-service", "slow")));
    StepVerifier.create(
            EventStream.of(objects, json, GatewayMetricsFactory.of(registry), BUFFERS)
                .map(EventStreamTest::text))
        .expectNext("data: {\"a\":1}\n\n")
        .assertNext(
            data ->
                assertThat(data)
                    .contains("\"code\":\"timeout\"")
                    .contains("\"type\":\"server_error\""))
        .expectNext("data: [DONE]\n\n")
        .verifyComplete();
    assertThat(registry.get("llm.gateway.errors").tag("code", "timeout").counter().count())
        .isEqualTo(1);
  }

  @Test
  void failureBeforeTheFirstEventPropagatesSoTheClientGetsAnHttpStatus() {
    var objects = Flux.<List<?>>error(ApiException.conflict("moved on"));
    StepVerifier.create(EventStream.of(objects, json, GatewayMetricsFactory.of(registry), BUFFERS))
        .expectError(ApiException.class)
        .verify(Duration.ofSeconds(1));
  }
}
