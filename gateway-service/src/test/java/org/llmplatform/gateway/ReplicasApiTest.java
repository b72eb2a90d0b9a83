package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.model.TestTokenizers;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A model served by three inference-service replicas, played by HTTP servers that count the
 * generations they are sent: the next turn of a conversation goes where its prefix went, a replica
 * that refuses before its first token (overloaded, draining) hands the request to another, a
 * replica that is gone costs no request, and one whose readiness probe says no gets no new work.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.api-keys[0].sha256=" + GatewayTestKeys.ALPHA_SHA256,
      "llm.gateway.api-keys[0].tenant=alpha",
      "llm.gateway.load-models-at-start-up=false",
      "llm.gateway.routing.refresh=200ms",
    })
@AutoConfigureWebTestClient
class ReplicasApiTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final List<FakeReplica> REPLICAS =
      List.of(new FakeReplica(), new FakeReplica(), new FakeReplica());

  private static final DisposableServer TOKENIZER =
      HttpServer.create()
          .host("127.0.0.1")
          .port(0)
          .route(routes -> FakeTokenizer.routes(routes, null))
          .bindNow();

  /**
   * One inference-service replica: answers "Hello world" to every generation, or refuses with 503
   * when {@code refusing}; its readiness probe says what {@code ready} says. Every answer closes
   * its connection, so that a stopped server is gone as a killed process is (no kept-alive
   * connection outlives it).
   */
  static final class FakeReplica {
    final AtomicInteger generations = new AtomicInteger();
    volatile boolean refusing;
    volatile boolean ready = true;
    DisposableServer server = start(0);

    DisposableServer start(int port) {
      return HttpServer.create()
          .host("127.0.0.1")
          .port(port)
          .route(
              routes ->
                  routes
                      .get(
                          "/v1/internal/model",
                          (req, res) ->
                              res.header("Content-Type", "application/json")
                                  .header("Connection", "close")
                                  .sendString(Mono.just(FakeTokenizer.modelInfo(256))))
                      .get(
                          "/actuator/health/readiness",
                          (req, res) ->
                              res.status(ready ? 200 : 503)
                                  .header("Connection", "close")
                                  .sendString(Mono.just(ready ? "{\"status\":\"UP\"}" : "{}")))
                      .post(
                          "/v1/internal/generate",
                          (req, res) ->
                              req.receive()
                                  .aggregate()
                                  .then(
                                      Mono.defer(
                                          () -> {
                                            if (refusing) {
                                              return res.status(503)
                                                  .header("Content-Type", "application/json")
                                                  .header("Connection", "close")
                                                  .sendString(
                                                      Mono.just(
                                                          "{\"error\":{\"code\":\"unavailable\","
                                                              + "\"message\":\"draining\","
                                                              + "\"param\":null}}"))
                                                  .then();
                                            }
                                            generations.incrementAndGet();
                                            return res.header("Content-Type", "text/event-stream")
                                                .header("Connection", "close")
                                                .sendString(Mono.just(answer()))
                                                .then();
                                          }))))
          .bindNow();
    }

    String url() {
      return "http://127.0.0.1:" + server.port();
    }
  }

  @DynamicPropertySource
  static void downstreams(DynamicPropertyRegistry registry) {
    for (int i = 0; i < REPLICAS.size(); i++) {
      String url = REPLICAS.get(i).url();
      registry.add("llm.gateway.models.tiny.replicas[" + i + "]", () -> url);
    }
    registry.add("llm.gateway.tokenizer-url", () -> "http://127.0.0.1:" + TOKENIZER.port());
  }

  @AfterAll
  static void stop() {
    REPLICAS.forEach(r -> r.server.disposeNow());
    TOKENIZER.disposeNow();
  }

  @Autowired WebTestClient http;

  @BeforeEach
  void reset() {
    for (FakeReplica r : REPLICAS) {
      r.generations.set(0);
      r.refusing = false;
      r.ready = true;
    }
  }

  @Test
  void aConversationsNextTurnGoesWhereItsPrefixWent() {
    for (int c = 0; c < 12; c++) {
      complete(prompt(c, 40));
      int[] before = counts();
      complete(prompt(c, 100)); // the same conversation, one turn later
      int[] after = counts();
      int moved = 0;
      for (int i = 0; i < 3; i++) {
        moved += after[i] - before[i];
        if (after[i] > before[i]) {
          assertThat(before[i]).as("the replica that had the first turn").isPositive();
        }
      }
      assertThat(moved).isEqualTo(1);
    }
    assertThat(counts()).doesNotContain(0); // the conversations spread over all three
  }

  @Test
  void aReplicaRefusingBeforeItsFirstTokenHandsTheRequestToAnother() {
    REPLICAS.get(0).refusing = true;
    REPLICAS.get(1).refusing = true;
    for (int c = 0; c < 6; c++) {
      assertThat(complete(prompt(100 + c, 40)).at("/choices/0/text").asString())
          .isEqualTo("Hello world");
    }
    assertThat(REPLICAS.get(2).generations).hasValue(6);
  }

  @Test
  void aReplicaThatIsGoneCostsNoRequest() {
    FakeReplica gone = REPLICAS.get(1);
    int port = gone.server.port();
    gone.server.disposeNow();
    try {
      for (int c = 0; c < 9; c++) {
        assertThat(complete(prompt(200 + c, 40)).at("/choices/0/text").asString())
            .isEqualTo("Hello world");
      }
      assertThat(REPLICAS.get(0).generations.get() + REPLICAS.get(2).generations.get())
          .isEqualTo(9);
    } finally {
      gone.server = gone.start(port);
    }
  }

  @Test
  void aReplicaThatIsNotReadyGetsNoNewWork() throws InterruptedException {
    REPLICAS.get(2).ready = false;
    Thread.sleep(Duration.ofSeconds(1)); // a few probe rounds
    for (int c = 0; c < 9; c++) {
      complete(prompt(300 + c, 40));
    }
    assertThat(REPLICAS.get(2).generations).hasValue(0);
    REPLICAS.get(2).ready = true;
    Thread.sleep(Duration.ofSeconds(1));
    for (int c = 0; c < 30; c++) {
      complete(prompt(400 + c, 40));
    }
    assertThat(REPLICAS.get(2).generations.get()).isPositive();
  }

  private JsonNode complete(List<Integer> prompt) {
    byte[] body =
        http.post()
            .uri("/v1/completions")
            .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue("{\"model\":\"tiny\",\"prompt\":" + prompt + ",\"max_tokens\":8}")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .returnResult()
            .getResponseBody();
    return JSON.readTree(body);
  }

  private static int[] counts() {
    return REPLICAS.stream().mapToInt(r -> r.generations.get()).toArray();
  }

  private static List<Integer> prompt(int conversation, int length) {
    return IntStream.range(0, length)
        .map(i -> 100 + (conversation * 37 + i * 11) % 250)
        .boxed()
        .toList();
  }

  private static String answer() {
    var events = new StringBuilder();
    List<Integer> ids = TestTokenizers.encode(TestTokenizers.tinyLlamaGqa(), "Hello world");
    for (int id : ids) {
      events.append("event:token\ndata:{\"token_id\":").append(id).append("}\n\n");
    }
    return events
        .append("event:finish\ndata:{\"finish_reason\":\"length\",\"usage\":")
        .append("{\"prompt_tokens\":1,\"completion_tokens\":")
        .append(ids.size())
        .append("}}\n\n")
        .toString();
  }
}
