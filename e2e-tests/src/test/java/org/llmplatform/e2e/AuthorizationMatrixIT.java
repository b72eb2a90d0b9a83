package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every endpoint of the platform × every credential a caller may lack: no API key, a wrong one,
 * another tenant's key, and on the internal services no {@code X-Internal-Token}, a wrong one, or a
 * gateway API key in its place. Each cell names its expected status; a 2xx where a refusal is due
 * fails the cell by name. Each endpoint also has its control cell with the right credential, so
 * that a refusal is the credential's doing and not a malformed request's.
 */
class AuthorizationMatrixIT {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static Platform platform;

  /** A session of tenant alpha, made before the matrix runs; beta's key must never reach it. */
  static String alphaSession;

  @BeforeAll
  static void platform() throws Exception {
    platform = Platform.get();
    alphaSession = SessionIT.createSession(platform.alphaKey);
    assertThat(turnStatus(platform.alphaKey, alphaSession)).isEqualTo(200);
  }

  /**
   * One endpoint: method, route as a reader knows it, and the URL (made when the cell runs: a
   * DELETE's control cell needs a session of its own).
   */
  record Endpoint(String method, String route, Supplier<String> url, String body) {
    static Endpoint get(String route, Supplier<String> url) {
      return new Endpoint("GET", route, url, null);
    }

    static Endpoint post(String route, Supplier<String> url, String body) {
      return new Endpoint("POST", route, url, body);
    }

    static Endpoint delete(String route, Supplier<String> url) {
      return new Endpoint("DELETE", route, url, null);
    }

    String name() {
      return method + " " + route;
    }
  }

  /** A credential a request carries: headers as name, value pairs. */
  record Credential(String name, String... headers) {}

  private static String gw(String path) {
    return platform.gatewayUrl() + path;
  }

  private static String chatBody(String extra) {
    return "{\"model\":\""
        + Platform.TINY
        + "\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
        + extra
        + "}";
  }

  /** The gateway's public API: every route, with a request the owner's key gets a 2xx for. */
  private static List<Endpoint> publicEndpoints() {
    return List.of(
        Endpoint.post("/v1/chat/completions", () -> gw("/v1/chat/completions"), chatBody("")),
        Endpoint.post(
            "/v1/chat/completions (stream)",
            () -> gw("/v1/chat/completions"),
            chatBody(",\"stream\":true")),
        Endpoint.post(
            "/v1/completions",
            () -> gw("/v1/completions"),
            "{\"model\":\"" + Platform.TINY + "\",\"prompt\":\"hi\",\"max_tokens\":2}"),
        Endpoint.get("/v1/models", () -> gw("/v1/models")),
        Endpoint.get("/v1/models/{id}", () -> gw("/v1/models/" + Platform.TINY)),
        Endpoint.post(
            "/v1/sessions", () -> gw("/v1/sessions"), "{\"model\":\"" + Platform.TINY + "\"}"),
        Endpoint.get("/v1/sessions", () -> gw("/v1/sessions")));
  }

  /** Routes on one tenant's session: another tenant's key must find nothing there. */
  private static List<Endpoint> sessionEndpoints(Supplier<String> session) {
    return List.of(
        Endpoint.get("/v1/sessions/{id}", () -> gw("/v1/sessions/" + session.get())),
        Endpoint.get(
            "/v1/sessions/{id}/messages", () -> gw("/v1/sessions/" + session.get() + "/messages")),
        Endpoint.post(
            "/v1/sessions/{id}/messages",
            () -> gw("/v1/sessions/" + session.get() + "/messages"),
            "{\"messages\":[{\"role\":\"user\",\"content\":\"planted\"}]}"),
        Endpoint.delete("/v1/sessions/{id}", () -> gw("/v1/sessions/" + session.get())));
  }

  @TestFactory
  Stream<DynamicTest> gatewayWithoutAValidKeyIs401() {
    var wrong = new Credential("wrong key", "Authorization", "Bearer sk-not-a-key");
    var none = new Credential("no key");
    var notBearer = new Credential("key not as Bearer", "Authorization", platform.alphaKey);
    var cells = new ArrayList<DynamicTest>();
    var endpoints = new ArrayList<>(publicEndpoints());
    endpoints.addAll(sessionEndpoints(() -> alphaSession));
    for (Endpoint endpoint : endpoints) {
      for (Credential credential : List.of(none, wrong, notBearer)) {
        cells.add(cell(endpoint, credential, 401));
      }
    }
    return cells.stream();
  }

  @TestFactory
  Stream<DynamicTest> gatewayWithTheOwnersKeyServes() {
    var alpha = bearer("tenant alpha", platform.alphaKey);
    var cells = new ArrayList<DynamicTest>();
    for (Endpoint endpoint : publicEndpoints()) {
      cells.add(cell(endpoint, alpha, 2));
    }
    // on a session of alpha's own, made for the cell (the DELETE removes it)
    for (Endpoint endpoint : sessionEndpoints(AuthorizationMatrixIT::freshAlphaSession)) {
      cells.add(cell(endpoint, alpha, 2));
    }
    return cells.stream();
  }

  @TestFactory
  Stream<DynamicTest> anotherTenantsSessionIs404AndUntouched() {
    var beta = bearer("tenant beta", platform.betaKey);
    var cells = new ArrayList<DynamicTest>();
    for (Endpoint endpoint : sessionEndpoints(() -> alphaSession)) {
      cells.add(cell(endpoint, beta, 404));
    }
    cells.add(
        DynamicTest.dynamicTest(
            "POST /v1/chat/completions on alpha's session_id × tenant beta → 404",
            () -> assertThat(turnStatus(platform.betaKey, alphaSession)).isEqualTo(404)));
    cells.add(
        DynamicTest.dynamicTest(
            "GET /v1/sessions × tenant beta lists none of alpha's",
            () -> {
              Http.Answer list = Http.get(gw("/v1/sessions?limit=100"), platform.betaKey);
              assertThat(list.status()).isEqualTo(200);
              assertThat(list.raw().body()).doesNotContain(alphaSession);
            }));
    cells.add(
        DynamicTest.dynamicTest(
            "alpha's session after beta's tries: still there, one turn, nothing planted",
            () -> {
              Http.Answer messages =
                  Http.get(gw("/v1/sessions/" + alphaSession + "/messages"), platform.alphaKey);
              assertThat(messages.status()).isEqualTo(200);
              assertThat(messages.json().path("messages").size()).isEqualTo(2);
              assertThat(messages.raw().body()).doesNotContain("planted");
            }));
    return cells.stream();
  }

  /** Every internal endpoint, with a request the gateway's own call would get a 2xx for. */
  private static List<Endpoint> internalEndpoints() {
    String tokenizer = platform.tokenizer.url() + "/v1/internal";
    String inference = platform.inference.get(Platform.TINY).url();
    String session = platform.session.url() + "/v1/sessions";
    String owner = "?owner=authorization-matrix";
    Supplier<String> internalSession =
        () -> {
          try {
            return Http.postInternal(session, "{\"owner\":\"authorization-matrix\"}")
                .json()
                .path("id")
                .asString();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    String model = "{\"model\":\"" + Platform.TINY + "\"";
    return List.of(
        Endpoint.post(
            "tokenizer /v1/internal/tokenize",
            () -> tokenizer + "/tokenize",
            model + ",\"text\":\"hi\"}"),
        Endpoint.post(
            "tokenizer /v1/internal/detokenize",
            () -> tokenizer + "/detokenize",
            model + ",\"ids\":[1,2]}"),
        Endpoint.post(
            "tokenizer /v1/internal/detokenize/stream",
            () -> tokenizer + "/detokenize/stream",
            model + ",\"ids\":[1,2]}"),
        Endpoint.get(
            "tokenizer /v1/internal/tokenizer",
            () -> tokenizer + "/tokenizer?model=" + Platform.TINY),
        Endpoint.get(
            "tokenizer /v1/internal/tokenizer.json",
            () -> tokenizer + "/tokenizer.json?model=" + Platform.TINY),
        Endpoint.post(
            "inference /v1/internal/generate",
            () -> inference + "/v1/internal/generate",
            "{\"input_ids\":[1,2,3],\"max_new_tokens\":2}"),
        Endpoint.get("inference /v1/internal/model", () -> inference + "/v1/internal/model"),
        Endpoint.post(
            "session /v1/sessions", () -> session, "{\"owner\":\"authorization-matrix\"}"),
        Endpoint.get("session /v1/sessions", () -> session + owner),
        Endpoint.get(
            "session /v1/sessions/{id}", () -> session + "/" + internalSession.get() + owner),
        Endpoint.get(
            "session /v1/sessions/{id}/messages",
            () -> session + "/" + internalSession.get() + "/messages" + owner),
        Endpoint.post(
            "session /v1/sessions/{id}/messages",
            () -> session + "/" + internalSession.get() + "/messages" + owner,
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"idempotency_key\":\"k1\"}"),
        Endpoint.delete(
            "session /v1/sessions/{id}", () -> session + "/" + internalSession.get() + owner));
  }

  @TestFactory
  Stream<DynamicTest> internalServicesWithoutTheInternalTokenAre401() {
    String token = ServiceProcess.INTERNAL_TOKEN;
    var refused =
        List.of(
            new Credential("no internal token"),
            new Credential("wrong internal token", "X-Internal-Token", token.substring(1) + "x"),
            new Credential("empty internal token", "X-Internal-Token", ""),
            new Credential(
                "a gateway API key instead", "Authorization", "Bearer " + platform.alphaKey),
            new Credential(
                "the token as a Bearer key",
                "Authorization",
                "Bearer " + ServiceProcess.INTERNAL_TOKEN));
    var cells = new ArrayList<DynamicTest>();
    for (Endpoint endpoint : internalEndpoints()) {
      for (Credential credential : refused) {
        cells.add(cell(endpoint, credential, 401));
      }
      cells.add(cell(endpoint, new Credential("internal token", "X-Internal-Token", token), 2));
    }
    return cells.stream();
  }

  /** The appends route with a known key: what the session holds for it stays out of reach. */
  @TestFactory
  Stream<DynamicTest> recordedAppendsNeedTheInternalToken() {
    String session = platform.session.url() + "/v1/sessions";
    Supplier<String> append =
        () -> {
          try {
            String id =
                Http.postInternal(session, "{\"owner\":\"authorization-matrix\"}")
                    .json()
                    .path("id")
                    .asString();
            Http.postInternal(
                session + "/" + id + "/messages?owner=authorization-matrix",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"idempotency_key\":\"k1\"}");
            return session + "/" + id + "/appends/k1?owner=authorization-matrix";
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    var endpoint = Endpoint.get("session /v1/sessions/{id}/appends/{key}", append);
    return Stream.of(
        cell(endpoint, new Credential("no internal token"), 401),
        cell(
            endpoint,
            new Credential("internal token", "X-Internal-Token", ServiceProcess.INTERNAL_TOKEN),
            2));
  }

  private static String freshAlphaSession() {
    try {
      return SessionIT.createSession(platform.alphaKey);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Credential bearer(String name, String key) {
    return new Credential(name, "Authorization", "Bearer " + key);
  }

  /**
   * One cell: the endpoint called with the credential must answer {@code expected} (a single digit
   * stands for its class: 2 is any 2xx).
   */
  private static DynamicTest cell(Endpoint endpoint, Credential credential, int expected) {
    String expectation = expected < 10 ? expected + "xx" : Integer.toString(expected);
    return DynamicTest.dynamicTest(
        endpoint.name() + " × " + credential.name() + " → " + expectation,
        () -> {
          HttpResponse<String> answer = send(endpoint, credential);
          String why = endpoint.name() + " × " + credential.name() + ": " + answer.body();
          if (expected < 10) {
            assertThat(answer.statusCode() / 100).as(why).isEqualTo(expected);
          } else {
            assertThat(answer.statusCode()).as(why).isEqualTo(expected);
          }
        });
  }

  private static HttpResponse<String> send(Endpoint endpoint, Credential credential)
      throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create(endpoint.url().get()))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json");
    for (int i = 0; i + 1 < credential.headers().length; i += 2) {
      request.header(credential.headers()[i], credential.headers()[i + 1]);
    }
    request.method(
        endpoint.method(),
        endpoint.body() == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(endpoint.body()));
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int turnStatus(String key, String session) throws Exception {
    return Http.post(gw("/v1/chat/completions"), key, SessionIT.turn(session, "hello", ""))
        .status();
  }
}
