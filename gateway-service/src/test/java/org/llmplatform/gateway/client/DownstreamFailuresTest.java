package org.llmplatform.gateway.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.inference.GenerateRequest;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.error.ApiException;
import org.reactivestreams.Publisher;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

/**
 * Failure modes of a downstream that a healthy real service cannot produce on demand (too slow, a
 * 5xx, a connection cut mid-stream, sustained overload): an HTTP double plays them, and the
 * resilience policy must turn each into the documented error.
 */
class DownstreamFailuresTest {

  // events without SSE names, as inference-services before named events sent them: the gateway
  // still reads them (a rolling upgrade); TracePropagationTest serves the named ones
  private static final String TOKEN = "data:{\"token_id\":7}\n\n";
  private static final String FINISH =
      "data:{\"finish_reason\":\"length\",\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1}}\n\n";

  private DisposableServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.disposeNow();
    }
  }

  @Test
  void noFirstTokenInTimeIs504() {
    var client =
        inference(
            (req, res) ->
                res.header("Content-Type", "text/event-stream")
                    .sendString(Mono.delay(Duration.ofSeconds(6)).thenReturn(TOKEN)));
    StepVerifier.create(events(client))
        .expectErrorSatisfies(e -> assertStatus(e, HttpStatus.GATEWAY_TIMEOUT))
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void serverErrorIs503AndRetriedBeforeAnyToken() {
    var calls = new AtomicInteger();
    var client =
        inference(
            (req, res) -> {
              calls.incrementAndGet();
              return res.status(503)
                  .header("Content-Type", "application/json")
                  .sendString(
                      Mono.just(
                          "{\"error\":{\"code\":\"x\",\"message\":\"boom\",\"param\":null}}"));
            });
    StepVerifier.create(events(client))
        .expectErrorSatisfies(
            e -> {
              assertStatus(e, HttpStatus.SERVICE_UNAVAILABLE);
              assertThat(e.getMessage()).contains("inference").contains("boom");
            })
        .verify(Duration.ofSeconds(10));
    assertThat(calls.get()).isEqualTo(3); // first try + 2 retries
  }

  @Test
  void overloadedIs429WithTheDownstreamsRetryAfter() {
    var client =
        inference(
            (req, res) ->
                res.status(429)
                    .header("Retry-After", "2")
                    .header("Content-Type", "application/json")
                    .sendString(
                        Mono.just(
                            "{\"error\":{\"code\":\"overloaded\",\"message\":\"queue full\",\"param\":null}}")));
    StepVerifier.create(events(client))
        .expectErrorSatisfies(
            e -> {
              assertStatus(e, HttpStatus.TOO_MANY_REQUESTS);
              assertThat(((ApiException) e).code()).isEqualTo("overloaded");
              assertThat(((ApiException) e).retryAfter()).isEqualTo(Duration.ofSeconds(2));
            })
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void connectionCutAfterATokenFailsAfterTheTokenWithoutRetry() {
    var calls = new AtomicInteger();
    var client =
        inference(
            (req, res) -> {
              calls.incrementAndGet();
              return res.header("Content-Type", "text/event-stream")
                  .sendString(
                      Flux.just(TOKEN)
                          .concatWith(
                              Mono.delay(Duration.ofMillis(100))
                                  .then(Mono.error(new IllegalStateException("cut")))));
            });
    StepVerifier.create(events(client))
        .assertNext(e -> assertThat(e.tokenId()).isEqualTo(7))
        .expectErrorSatisfies(e -> assertStatus(e, HttpStatus.SERVICE_UNAVAILABLE))
        .verify(Duration.ofSeconds(10));
    assertThat(calls.get()).isEqualTo(1);
  }

  @Test
  void aGapBetweenTokensPastTheLimitIs504AfterTheToken() {
    var client =
        inference(
            (req, res) ->
                res.header("Content-Type", "text/event-stream")
                    .sendString(
                        Flux.just(TOKEN)
                            .concatWith(Mono.delay(Duration.ofSeconds(6)).thenReturn(FINISH))));
    StepVerifier.create(events(client))
        .assertNext(e -> assertThat(e.tokenId()).isEqualTo(7))
        .expectErrorSatisfies(e -> assertStatus(e, HttpStatus.GATEWAY_TIMEOUT))
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void healthyStreamPassesThrough() {
    var client =
        inference(
            (req, res) ->
                res.header("Content-Type", "text/event-stream")
                    .sendString(Flux.just(TOKEN, TOKEN, FINISH)));
    StepVerifier.create(events(client).map(e -> e.tokenId() != null ? "token" : e.finishReason()))
        .expectNext("token", "token", "length")
        .verifyComplete();
  }

  @Test
  void breakerOpensAfterRepeatedFailuresAndThenRefusesAtOnce() {
    var calls = new AtomicInteger();
    var client =
        inference(
            (req, res) -> {
              calls.incrementAndGet();
              return res.status(500).send();
            });
    for (int i = 0; i < 4; i++) {
      StepVerifier.create(events(client))
          .expectErrorSatisfies(e -> assertStatus(e, HttpStatus.SERVICE_UNAVAILABLE))
          .verify(Duration.ofSeconds(10));
    }
    int before = calls.get();
    StepVerifier.create(events(client))
        .expectErrorSatisfies(
            e -> {
              assertStatus(e, HttpStatus.SERVICE_UNAVAILABLE);
              assertThat(e.getMessage()).contains("circuit breaker");
            })
        .verify(Duration.ofSeconds(10));
    assertThat(calls.get()).isEqualTo(before);
  }

  private static void assertStatus(Throwable e, HttpStatus status) {
    assertThat(e).isInstanceOf(ApiException.class);
    assertThat(((ApiException) e).status()).isEqualTo(status);
  }

  private static GenerateRequest request() {
    return GenerateRequest.of(new ArrayList<>(List.of(1, 2)));
  }

  private InferenceClient inference(
      BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler) {
    server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .route(routes -> routes.post("/v1/internal/generate", handler))
            .bindNow();
    var policy =
        new GatewayProperties.Resilience(
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            2,
            Duration.ofMillis(10),
            8,
            50,
            4,
            Duration.ofSeconds(30));
    return new InferenceClient(
        WebClient.builder().baseUrl("http://127.0.0.1:" + server.port()).build(),
        new Downstream("inference-service:test", CircuitBreakerRegistry.ofDefaults(), policy),
        JsonMapper.builder().build());
  }

  /** The generation's events one by one (the client gives them in batches). */
  private static Flux<InferenceClient.GenerateEvent> events(InferenceClient client) {
    return client.generate(request()).concatMapIterable(batch -> batch);
  }
}
