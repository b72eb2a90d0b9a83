package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue 16 item 5 on the running platform: every internal endpoint of tokenizer-, inference- and
 * session-service answers 401 without {@code X-Internal-Token} or with a wrong one, and its normal
 * answer with the right one; actuator health and metrics stay open; the gateway's actuator is on
 * its management port, not the public one.
 */
class InternalAccessIT {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static Platform platform;

  @BeforeAll
  static void platform() throws Exception {
    platform = Platform.get();
  }

  /** One GET per internal service that answers 200 to the gateway. */
  private List<String> internalEndpoints() {
    return List.of(
        platform.tokenizer.url() + "/v1/internal/tokenizer?model=" + Platform.TINY,
        platform.inference.get(Platform.TINY).url() + "/v1/internal/model",
        platform.session.url() + "/v1/sessions?owner=internal-access-it");
  }

  @Test
  void withoutTheHeaderEveryInternalEndpointIs401() throws Exception {
    for (String url : internalEndpoints()) {
      HttpResponse<String> answer = get(url, null);
      assertThat(answer.statusCode()).as(url).isEqualTo(401);
      JsonNode error = Http.json(answer.body()).path("error");
      assertThat(error.path("code").asString()).as(url).isEqualTo("unauthorized");
      assertThat(error.path("param").asString()).as(url).isEqualTo("X-Internal-Token");
    }
  }

  @Test
  void aWrongTokenIs401() throws Exception {
    String wrong = ServiceProcess.INTERNAL_TOKEN.substring(1) + "x";
    for (String url : internalEndpoints()) {
      assertThat(get(url, wrong).statusCode()).as(url).isEqualTo(401);
      assertThat(get(url, "short").statusCode()).as(url).isEqualTo(401);
    }
  }

  @Test
  void theRightTokenIsServed() throws Exception {
    for (String url : internalEndpoints()) {
      assertThat(get(url, ServiceProcess.INTERNAL_TOKEN).statusCode()).as(url).isEqualTo(200);
    }
  }

  @Test
  void aWriteWithoutTheTokenChangesNothing() throws Exception {
    String url = platform.session.url() + "/v1/sessions";
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"owner\":\"intruder\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(401);
    String list = platform.session.url() + "/v1/sessions?owner=intruder";
    assertThat(Http.json(get(list, ServiceProcess.INTERNAL_TOKEN).body()).path("data").size())
        .isZero();
  }

  @Test
  void actuatorHealthAndMetricsStayOpen() throws Exception {
    for (ServiceProcess service : platform.all()) {
      for (String path : List.of("/actuator/health", "/actuator/health/readiness")) {
        assertThat(get(service.managementUrl() + path, null).statusCode())
            .as(service.name() + path)
            .isEqualTo(200);
      }
      // tokenizer- and session-service have no Prometheus registry (404): only not refused
      assertThat(get(service.managementUrl() + "/actuator/prometheus", null).statusCode())
          .as(service.name())
          .isNotEqualTo(401);
    }
    for (ServiceProcess service :
        List.of(platform.gateway, platform.inference.get(Platform.TINY))) {
      assertThat(get(service.managementUrl() + "/actuator/prometheus", null).statusCode())
          .as(service.name())
          .isEqualTo(200);
    }
  }

  @Test
  void theGatewaysPublicPortHasNoActuator() throws Exception {
    assertThat(platform.gateway.managementUrl()).isNotEqualTo(platform.gateway.url());
    String prometheus = platform.gateway.url() + "/actuator/prometheus";
    assertThat(get(prometheus, null).statusCode()).isEqualTo(401); // every path but the API docs
    assertThat(Http.get(prometheus, platform.alphaKey).status()).isEqualTo(404);
  }

  private static HttpResponse<String> get(String url, String token) throws Exception {
    var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
    if (token != null) {
      request.header("X-Internal-Token", token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
