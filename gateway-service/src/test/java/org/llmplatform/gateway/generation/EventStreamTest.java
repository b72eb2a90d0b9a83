package org.llmplatform.gateway.generation;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.observability.GatewayMetricsFactory;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

class EventStreamTest {

  private final JsonMapper json = JsonMapper.builder().build();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void endsWithDone() {
    StepVerifier.create(
            EventStream.of(Flux.just(Map.of("a", 1)), json, GatewayMetricsFactory.of(registry))
                .map(ServerSentEvent::data))
        .expectNext("{\"a\":1}", "[DONE]")
        .verifyComplete();
  }

  @Test
  void failureAfterTheFirstEventBecomesAnErrorEventThenDone() {
    var objects =
        Flux.<Object>just(Map.of("a", 1))
            .concatWith(Flux.error(ApiException.timeout("inference-service", "slow")));
    StepVerifier.create(
            EventStream.of(objects, json, GatewayMetricsFactory.of(registry))
                .map(ServerSentEvent::data))
        .expectNext("{\"a\":1}")
        .assertNext(
            data ->
                assertThat(data)
                    .contains("\"code\":\"timeout\"")
                    .contains("\"type\":\"server_error\""))
        .expectNext("[DONE]")
        .verifyComplete();
    assertThat(registry.get("llm.gateway.errors").tag("code", "timeout").counter().count())
        .isEqualTo(1);
  }

  @Test
  void failureBeforeTheFirstEventPropagatesSoTheClientGetsAnHttpStatus() {
    var objects = Flux.<Object>error(ApiException.conflict("moved on"));
    StepVerifier.create(EventStream.of(objects, json, GatewayMetricsFactory.of(registry)))
        .expectError(ApiException.class)
        .verify(Duration.ofSeconds(1));
  }
}
