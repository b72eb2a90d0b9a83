package org.llmplatform.gateway.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.http.auth.InternalAccessProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway sends {@code X-Internal-Token} to tokenizer-, session- and inference-service when
 * {@code llm.internal.token} is set, and no such header when it is not. One HTTP double plays all
 * three and records the header of each request (answering 404: only the request matters here).
 */
class InternalTokenHeaderTest {

  private static final String TOKEN = "0123456789abcdef-gateway";

  private final Queue<String> seen = new ConcurrentLinkedQueue<>();
  private final DisposableServer server =
      HttpServer.create()
          .host("127.0.0.1")
          .port(0)
          .handle(
              (req, res) -> {
                seen.add(
                    req.uri() + " " + req.requestHeaders().get(InternalAccessProperties.HEADER));
                return res.status(404).send();
              })
          .bindNow();
  private Downstreams downstreams;

  @AfterEach
  void stop() {
    if (downstreams != null) {
      downstreams.destroy();
    }
    server.disposeNow();
  }

  @Test
  void everyDownstreamGetsTheToken() {
    callAllThree(new InternalAccessProperties(TOKEN, true));
    assertThat(seen)
        .hasSize(3)
        .allSatisfy(request -> assertThat(request).endsWith(" " + TOKEN))
        .anySatisfy(request -> assertThat(request).startsWith("/v1/internal/tokenizer"))
        .anySatisfy(request -> assertThat(request).startsWith("/v1/sessions/"))
        .anySatisfy(request -> assertThat(request).startsWith("/v1/internal/model"));
  }

  @Test
  void withoutATokenNoHeaderIsSent() {
    callAllThree(new InternalAccessProperties(null, true));
    assertThat(seen).hasSize(3).allSatisfy(request -> assertThat(request).endsWith(" null"));
  }

  @Test
  void aRefusedTokenIsTheGatewaysTroubleNotTheClients() {
    DisposableServer refusing =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(
                (req, res) ->
                    res.status(401)
                        .header("Content-Type", "application/json")
                        .sendString(
                            Mono.just(
                                "{\"error\":{\"code\":\"unauthorized\",\"message\":\"wrong"
                                    + " X-Internal-Token\",\"param\":\"X-Internal-Token\"}}")))
            .bindNow();
    try {
      downstreams = downstreams(new InternalAccessProperties(TOKEN, true), refusing.port());
      assertThatThrownBy(() -> downstreams.tokenizer().info("m").block(Duration.ofSeconds(10)))
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
                assertThat(e.getMessage()).contains("refused the gateway's internal token");
              });
    } finally {
      refusing.disposeNow();
    }
  }

  private void callAllThree(InternalAccessProperties internal) {
    downstreams = downstreams(internal, server.port());
    Duration limit = Duration.ofSeconds(10);
    downstreams.tokenizer().info("m").onErrorComplete().block(limit);
    downstreams.sessions().history("s1", "alpha", 100).onErrorComplete().block(limit);
    downstreams.inference("m").any().client().model().onErrorComplete().block(limit);
  }

  private static Downstreams downstreams(InternalAccessProperties internal, int port) {
    String url = "http://127.0.0.1:" + port;
    GatewayProperties properties =
        new Binder(
                new MapConfigurationPropertySource(
                    Map.of(
                        "llm.gateway.tokenizer-url", url,
                        "llm.gateway.session-url", url,
                        "llm.gateway.models.m.inference-url", url,
                        "llm.gateway.resilience.retries", "0")))
            .bind("llm.gateway", GatewayProperties.class)
            .get();
    return new Downstreams(
        properties,
        WebClient.builder(),
        CircuitBreakerRegistry.ofDefaults(),
        JsonMapper.builder().build(),
        internal);
  }
}
