package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Completions of model {@code tiny} under API keys with small rate limits, for the tests that run
 * the gateway on Redis beyond one node: the keys, the Redis key of their buckets, the calls and a
 * downstream that plays both tokenizer-service and inference-service.
 */
final class RateLimitCalls {

  /** Tokens the fake model generates for every prompt. */
  static final int GENERATED = 12;

  private final WebTestClient http;

  RateLimitCalls(WebTestClient http) {
    this.http = http;
  }

  /**
   * tokenizer-service and inference-service of model {@code tiny} in one HTTP server: the model
   * answers {@link #GENERATED} tokens to every prompt.
   */
  static DisposableServer downstream() {
    var events = new StringBuilder();
    for (int id = 100; id < 100 + GENERATED; id++) {
      events.append("event:token\ndata:{\"token_id\":").append(id).append("}\n\n");
    }
    events
        .append("event:finish\ndata:{\"finish_reason\":\"length\",\"usage\":")
        .append("{\"prompt_tokens\":3,\"completion_tokens\":" + GENERATED + "}}\n\n");
    return HttpServer.create()
        .host("127.0.0.1")
        .port(0)
        .route(
            routes ->
                FakeTokenizer.routes(routes, null)
                    .get(
                        "/v1/internal/model",
                        (req, res) ->
                            res.header("Content-Type", "application/json")
                                .sendString(Mono.just(FakeTokenizer.modelInfo(64))))
                    .post(
                        "/v1/internal/generate",
                        (req, res) ->
                            req.receive()
                                .then(
                                    res.header("Content-Type", "text/event-stream")
                                        .sendString(Mono.just(events.toString()))
                                        .then())))
        .bindNow();
  }

  /** Points the gateway's model {@code tiny} and its tokenizer at {@link #downstream}. */
  static void downstream(DynamicPropertyRegistry registry, DisposableServer server) {
    String url = "http://127.0.0.1:" + server.port();
    registry.add("llm.gateway.models.tiny.inference-url", () -> url);
    registry.add("llm.gateway.tokenizer-url", () -> url);
  }

  /** Configures API key {@code i}: {@code key}, with its limits, for a tenant of its own. */
  static void key(DynamicPropertyRegistry registry, int i, String key, int requests, long tokens) {
    String prefix = "llm.gateway.api-keys[" + i + "].";
    registry.add(prefix + "sha256", () -> sha256(key));
    registry.add(prefix + "tenant", () -> "tenant-" + i);
    registry.add(prefix + "requests-per-minute", () -> requests);
    registry.add(prefix + "tokens-per-minute", () -> tokens);
  }

  /** The Redis key of a bucket ({@code requests} or {@code tokens}) of an API key. */
  static String bucket(String key, String which) {
    return "llm:gateway:ratelimit:" + sha256(key).substring(0, 12) + ":" + which;
  }

  WebTestClient.ResponseSpec complete(String key) {
    return http.post()
        .uri("/v1/completions")
        .header(HttpHeaders.AUTHORIZATION, "Bearer " + key)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":\"tiny\",\"prompt\":[5,6,7],\"max_tokens\":" + GENERATED + "}")
        .exchange();
  }

  int status(String key) {
    return complete(key).returnResult(Void.class).getStatus().value();
  }

  /** The key's next request is refused: 429 with Retry-After, naming the {@code limit} reached. */
  void refused(String key, String limit) {
    complete(key)
        .expectStatus()
        .isEqualTo(429)
        .expectHeader()
        .value(HttpHeaders.RETRY_AFTER, v -> assertThat(Integer.parseInt(v)).isBetween(1, 60))
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("rate_limit_exceeded")
        .jsonPath("$.error.message")
        .value(m -> assertThat((String) m).contains(limit));
  }

  private static String sha256(String key) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
