package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.model.TestTokenizers;
import org.reactivestreams.Publisher;
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
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * W3C trace context reaches every downstream: a chat turn with a session touches all three services
 * (session read, tokenizer.json and tokenize, model info and generate, session append), played by
 * HTTP servers that record each request's {@code traceparent}. With a {@code traceparent} from the
 * client every downstream call continues that trace; without one, the gateway starts one trace for
 * the whole request.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.api-keys[0].sha256=" + GatewayTestKeys.ALPHA_SHA256,
      "llm.gateway.api-keys[0].tenant=alpha",
    })
@AutoConfigureWebTestClient
class TracePropagationTest {

  private static final Pattern TRACEPARENT =
      Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]");
  private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CLIENT_SPAN = "00f067aa0ba902b7";

  /** One downstream request: which service, what, and its traceparent header (or null). */
  record Seen(String service, String request, String traceparent, String requestId) {}

  private static final Queue<Seen> SEEN = new ConcurrentLinkedQueue<>();
  private static final List<Integer> ANSWER =
      TestTokenizers.encode(TestTokenizers.tinyLlamaGqa(), "Hello world");

  private static final DisposableServer TOKENIZER =
      service(
          "tokenizer",
          routes ->
              routes
                  .post(
                      "/v1/internal/tokenize",
                      seen("tokenizer", (req, res) -> json(res, "{\"ids\":[2,5],\"count\":2}")))
                  .get(
                      "/v1/internal/tokenizer.json",
                      seen(
                          "tokenizer",
                          (req, res) ->
                              res.header("Content-Type", "application/json")
                                  .sendByteArray(Mono.fromCallable(TracePropagationTest::vocab))))
                  .get(
                      "/v1/internal/tokenizer",
                      seen(
                          "tokenizer",
                          (req, res) ->
                              json(
                                  res,
                                  """
                                  {"model":"tiny","vocab_size":384,"special_tokens":{},
                                   "added_special_tokens":[],"eos_token_ids":[3],
                                   "clean_up_tokenization_spaces":false,"has_chat_template":true,
                                   "chat_template_source":"model","chat_template_names":[]}
                                  """))));

  private static final DisposableServer INFERENCE =
      service(
          "inference",
          routes ->
              routes
                  .get(
                      "/v1/internal/model",
                      seen(
                          "inference",
                          (req, res) ->
                              json(
                                  res,
                                  """
                                  {"name":"tiny","vocab_size":384,"context_length":512,
                                   "layers":2,"kv_heads":2,"head_dim":16,"dtype":"float32",
                                   "eos_ids":[3],"device":"cpu"}
                                  """)))
                  .post(
                      "/v1/internal/generate",
                      seen(
                          "inference",
                          (req, res) ->
                              res.header("Content-Type", "text/event-stream")
                                  .sendString(Mono.just(generation())))));

  private static final DisposableServer SESSIONS =
      service(
          "session",
          routes ->
              routes
                  .get(
                      "/v1/sessions/{id}/messages",
                      seen(
                          "session",
                          (req, res) ->
                              json(
                                  res,
                                  """
                                  {"session_id":"s1","messages":[],"last_seq":0,
                                   "total_tokens":0,"truncated":false}
                                  """)))
                  .post(
                      "/v1/sessions/{id}/messages",
                      seen(
                          "session",
                          (req, res) ->
                              json(res, "{\"session_id\":\"s1\",\"seq\":2,\"replayed\":false}"))));

  /**
   * The token events of {@link #ANSWER}, then the finish event, as inference-service sends them.
   */
  private static String generation() {
    var events = new StringBuilder();
    ANSWER.forEach(
        id -> events.append("event:token\ndata:{\"token_id\":").append(id).append("}\n\n"));
    return events
        .append("event:finish\ndata:{\"finish_reason\":\"length\",\"usage\":{\"prompt_tokens\":2,")
        .append("\"completion_tokens\":")
        .append(ANSWER.size())
        .append("}}\n\n")
        .toString();
  }

  @DynamicPropertySource
  static void downstreams(DynamicPropertyRegistry registry) {
    registry.add("llm.gateway.models.tiny.inference-url", () -> url(INFERENCE));
    registry.add("llm.gateway.tokenizer-url", () -> url(TOKENIZER));
    registry.add("llm.gateway.session-url", () -> url(SESSIONS));
    // the start-up load of the model would send its calls in a trace of its own, maybe while a
    // test records: here the model is resolved by the test's request, as the test expects
    registry.add("llm.gateway.load-models-at-start-up", () -> "false");
  }

  @AfterAll
  static void stop() {
    List.of(TOKENIZER, INFERENCE, SESSIONS).forEach(DisposableServer::disposeNow);
  }

  @Autowired WebTestClient http;

  @BeforeEach
  void forget() {
    SEEN.clear();
  }

  @Test
  void everyDownstreamCallContinuesTheClientsTrace() {
    chat("00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01");
    assertThat(SEEN)
        .extracting(Seen::service)
        .contains("session", "tokenizer", "inference")
        .filteredOn("session"::equals)
        .hasSize(2); // history read and the turn's append
    assertThat(SEEN)
        .allSatisfy(
            seen -> {
              Matcher parent = traceparent(seen);
              assertThat(parent.group(1)).as(seen.request()).isEqualTo(CLIENT_TRACE);
              assertThat(parent.group(2)).as(seen.request()).isNotEqualTo(CLIENT_SPAN);
            });
  }

  @Test
  void withoutATraceparentTheGatewayStartsOneTraceForTheWholeRequest() {
    chat(null);
    assertThat(SEEN).extracting(Seen::request).anyMatch(r -> r.contains("/generate"));
    assertThat(SEEN)
        .extracting(seen -> traceparent(seen).group(1))
        .doesNotContain(CLIENT_TRACE)
        .containsOnly(traceparent(SEEN.peek()).group(1));
  }

  @Test
  void everyDownstreamCallCarriesTheRequestsId() {
    chat(null, "req-e2e-42");
    assertThat(SEEN)
        .filteredOn(seen -> !seen.request().contains("tokenizer")) // model loading, not the turn's
        .isNotEmpty()
        .allSatisfy(
            seen -> assertThat(seen.requestId()).as(seen.request()).isEqualTo("req-e2e-42"));
  }

  private void chat(String traceparent) {
    chat(traceparent, null);
  }

  private void chat(String traceparent, String requestId) {
    http.post()
        .uri("/v1/chat/completions")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .headers(
            h -> {
              if (requestId != null) {
                h.set("x-request-id", requestId);
              }
            })
        .headers(
            h -> {
              if (traceparent != null) {
                h.set("traceparent", traceparent);
              }
            })
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            """
            {"model":"tiny","session_id":"s1","max_tokens":8,
             "messages":[{"role":"user","content":"hi"}]}
            """)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.choices[0].message.content")
        .isEqualTo("Hello world");
  }

  private static Matcher traceparent(Seen seen) {
    assertThat(seen.traceparent()).as("traceparent of " + seen.request()).isNotNull();
    Matcher matcher = TRACEPARENT.matcher(seen.traceparent());
    assertThat(matcher.matches()).as(seen.traceparent()).isTrue();
    return matcher;
  }

  private static DisposableServer service(String name, Consumer<HttpServerRoutes> routes) {
    return HttpServer.create().host("127.0.0.1").port(0).route(routes).bindNow();
  }

  /** A route handler that records the request (in {@link #SEEN}) before answering. */
  private static BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> seen(
      String service, BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler) {
    return (req, res) -> {
      SEEN.add(
          new Seen(
              service,
              req.method() + " " + req.uri(),
              req.requestHeaders().get("traceparent"),
              req.requestHeaders().get("x-request-id")));
      return handler.apply(req, res);
    };
  }

  private static Publisher<Void> json(HttpServerResponse res, String body) {
    return res.header("Content-Type", "application/json").sendString(Mono.just(body));
  }

  private static byte[] vocab() throws IOException {
    return Files.readAllBytes(TestTokenizers.tinyLlamaGqa().resolve("tokenizer.json"));
  }

  private static String url(DisposableServer server) {
    return "http://127.0.0.1:" + server.port();
  }
}
