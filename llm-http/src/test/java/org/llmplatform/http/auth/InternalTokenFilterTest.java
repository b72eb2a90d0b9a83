package org.llmplatform.http.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.web.reactive.function.server.RequestPredicates.GET;

import org.junit.jupiter.api.Test;
import org.llmplatform.api.error.ErrorBody;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** The filter in front of a router that answers 200 "ok" on every GET. */
class InternalTokenFilterTest {

  private static final String TOKEN = "0123456789abcdef-token";

  private final WebTestClient http =
      WebTestClient.bindToRouterFunction(
              RouterFunctions.route(GET("/**"), request -> ServerResponse.ok().bodyValue("ok")))
          .webFilter(new InternalTokenFilter(TOKEN))
          .build();

  @Test
  void theRightTokenPasses() {
    http.get()
        .uri("/v1/sessions/abc")
        .header(InternalAccessProperties.HEADER, TOKEN)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(String.class)
        .isEqualTo("ok");
  }

  @Test
  void headerNameIsCaseInsensitive() {
    http.get()
        .uri("/v1/sessions/abc")
        .header("x-internal-token", TOKEN)
        .exchange()
        .expectStatus()
        .isOk();
  }

  @Test
  void missingHeaderIs401NamingTheHeader() {
    ErrorBody body = refused(http.get().uri("/v1/sessions/abc").exchange());
    assertThat(body.error().code()).isEqualTo("unauthorized");
    assertThat(body.error().param()).isEqualTo("X-Internal-Token");
    assertThat(body.error().message()).contains("missing X-Internal-Token");
  }

  @Test
  void emptyHeaderIs401() {
    ErrorBody body =
        refused(
            http.get()
                .uri("/v1/internal/tokenize")
                .header(InternalAccessProperties.HEADER, "")
                .exchange());
    assertThat(body.error().message()).contains("missing X-Internal-Token");
  }

  @Test
  void wrongTokenOfTheSameLengthIs401() {
    String wrong = TOKEN.substring(0, TOKEN.length() - 1) + "X";
    ErrorBody body =
        refused(
            http.get()
                .uri("/v1/generate")
                .header(InternalAccessProperties.HEADER, wrong)
                .exchange());
    assertThat(body.error().message()).isEqualTo("wrong X-Internal-Token");
    assertThat(body.error().param()).isEqualTo("X-Internal-Token");
  }

  @Test
  void tokensOfOtherLengthsAre401() {
    for (String wrong :
        new String[] {TOKEN.substring(1), TOKEN + "x", TOKEN + TOKEN, " " + TOKEN, "x"}) {
      refused(
          http.get().uri("/v1/model").header(InternalAccessProperties.HEADER, wrong).exchange());
    }
  }

  @Test
  void anotherAuthorizationSchemeDoesNotPass() {
    refused(
        http.get()
            .uri("/v1/model")
            .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
            .exchange());
  }

  @Test
  void actuatorHealthAndMetricsNeedNoToken() {
    for (String open :
        new String[] {
          "/actuator/health",
          "/actuator/health/readiness",
          "/actuator/health/liveness",
          "/actuator/prometheus",
          "/actuator/metrics",
          "/actuator/metrics/jvm.memory.used"
        }) {
      http.get().uri(open).exchange().expectStatus().isOk();
    }
  }

  @Test
  void otherActuatorEndpointsAndLookAlikesNeedTheToken() {
    for (String guarded :
        new String[] {
          "/actuator/env",
          "/actuator/info",
          "/actuator/healthz",
          "/actuator/prometheus/x",
          "/v1/actuator/health",
          "/actuatorx/health"
        }) {
      refused(http.get().uri(guarded).exchange());
    }
  }

  private static ErrorBody refused(WebTestClient.ResponseSpec response) {
    byte[] body =
        response
            .expectStatus()
            .isEqualTo(HttpStatus.UNAUTHORIZED)
            .expectHeader()
            .contentType("application/json")
            .expectHeader()
            .valueEquals(HttpHeaders.WWW_AUTHENTICATE, "InternalToken realm=\"llm-platform\"")
            .expectBody()
            .returnResult()
            .getResponseBody();
    return JsonMapper.builder().build().readValue(body, ErrorBody.class);
  }
}
