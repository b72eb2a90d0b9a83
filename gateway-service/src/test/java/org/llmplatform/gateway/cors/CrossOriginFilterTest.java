package org.llmplatform.gateway.cors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.GatewayProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/**
 * The CORS rules on plain exchanges: configured origins, {@code *}, none (the default), the SDKs'
 * headers, and how {@code llm.gateway.cors.*} binds from properties and the environment.
 */
class CrossOriginFilterTest {

  private static final String APP = "https://app.example.com";
  private static final String OTHER = "https://other.example.com";

  @Test
  void preflightFromAnAllowedOriginAllowsTheApiMethodsAndTheSdkHeaders() {
    var exchange =
        preflight(
            APP,
            "POST",
            "authorization, content-type, idempotency-key, openai-organization,"
                + " x-stainless-retry-count, x-stainless-timeout");

    boolean passedOn = run(filter("llm.gateway.cors.allowed-origins", APP), exchange);

    HttpHeaders headers = exchange.getResponse().getHeaders();
    assertThat(passedOn).as("a preflight never reaches the API key check").isFalse();
    assertThat(exchange.getResponse().getStatusCode()).isIn(null, HttpStatus.OK);
    assertThat(headers.getAccessControlAllowOrigin()).isEqualTo(APP);
    assertThat(headers.getAccessControlAllowMethods())
        .containsExactlyInAnyOrder(
            HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE, HttpMethod.OPTIONS);
    assertThat(headers.getAccessControlAllowHeaders())
        .containsExactly(
            "authorization",
            "content-type",
            "idempotency-key",
            "openai-organization",
            "x-stainless-retry-count",
            "x-stainless-timeout");
    assertThat(headers.getAccessControlMaxAge()).isEqualTo(1800);
    assertThat(headers.containsHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS)).isFalse();
    assertThat(headers.getVary()).contains(HttpHeaders.ORIGIN);
  }

  @Test
  void aHeaderOutsideTheListIsNotAllowed() {
    var exchange = preflight(APP, "POST", "authorization, x-my-secret-header");

    run(filter("llm.gateway.cors.allowed-origins", APP), exchange);

    assertThat(exchange.getResponse().getHeaders().getAccessControlAllowHeaders())
        .containsExactly("authorization");
  }

  @Test
  void preflightFromAnotherOriginIsRefusedWithoutCorsHeaders() {
    for (String origin : List.of(OTHER, "null", "http://app.example.com", "not a url")) {
      var exchange = preflight(origin, "POST", "authorization");

      boolean passedOn = run(filter("llm.gateway.cors.allowed-origins", APP), exchange);

      assertThat(passedOn).isFalse();
      assertThat(exchange.getResponse().getStatusCode()).as(origin).isEqualTo(HttpStatus.FORBIDDEN);
      assertThat(exchange.getResponse().getHeaders().getAccessControlAllowOrigin()).isNull();
    }
  }

  @Test
  void anAnswerToAnAllowedOriginCarriesTheOriginAndTheExposedHeaders() {
    var exchange = request(APP);

    boolean passedOn = run(filter("llm.gateway.cors.allowed-origins", APP + "," + OTHER), exchange);

    HttpHeaders headers = exchange.getResponse().getHeaders();
    assertThat(passedOn).isTrue();
    assertThat(headers.getAccessControlAllowOrigin()).isEqualTo(APP);
    assertThat(headers.getAccessControlExposeHeaders())
        .contains(
            "x-request-id",
            "Idempotency-Key",
            "Idempotent-Replayed",
            "Retry-After",
            "x-ratelimit-remaining-requests");
    assertThat(headers.getVary()).contains(HttpHeaders.ORIGIN);
    assertThat(headers.containsHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS)).isFalse();
  }

  @Test
  void anAnswerToAnotherOriginGoesOnWithoutCorsHeaders() {
    var exchange = request(OTHER);

    boolean passedOn = run(filter("llm.gateway.cors.allowed-origins", APP), exchange);

    assertThat(passedOn).as("the API answers; the browser keeps it from the page").isTrue();
    assertThat(exchange.getResponse().getHeaders().getAccessControlAllowOrigin()).isNull();
    assertThat(exchange.getResponse().getHeaders().getAccessControlExposeHeaders()).isEmpty();
  }

  @Test
  void anyOriginIsAllowedWithAStarAndNeverWithCredentials() {
    var filter = filter("llm.gateway.cors.allowed-origins", "*");
    var preflight = preflight(OTHER, "DELETE", "authorization");
    var request = request(OTHER);

    run(filter, preflight);
    run(filter, request);

    for (var exchange : List.of(preflight, request)) {
      HttpHeaders headers = exchange.getResponse().getHeaders();
      assertThat(headers.getAccessControlAllowOrigin()).isEqualTo("*");
      assertThat(headers.containsHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS)).isFalse();
    }
    assertThat(preflight.getResponse().getStatusCode()).isIn(null, HttpStatus.OK);
  }

  @Test
  void withoutConfigurationEveryPreflightIsRefusedAndNoAnswerHasCorsHeaders() {
    var filter = filter();
    var preflight = preflight(APP, "POST", "authorization");
    var request = request(APP);

    boolean preflightPassedOn = run(filter, preflight);
    boolean requestPassedOn = run(filter, request);

    assertThat(preflightPassedOn).isFalse();
    assertThat(preflight.getResponse().getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
    assertThat(requestPassedOn).isTrue();
    for (var exchange : List.of(preflight, request)) {
      assertThat(exchange.getResponse().getHeaders().headerNames())
          .noneMatch(name -> name.toLowerCase().startsWith("access-control-"))
          .doesNotContain(HttpHeaders.VARY);
    }
  }

  @Test
  void sameOriginAndOriginlessRequestsPassUntouched() {
    var filter = filter("llm.gateway.cors.allowed-origins", APP);
    var sameOrigin =
        MockServerWebExchange.from(
            MockServerHttpRequest.post("http://gateway.example.com/v1/chat/completions")
                .header(HttpHeaders.ORIGIN, "http://gateway.example.com"));
    var originless = MockServerWebExchange.from(MockServerHttpRequest.get("/v1/models"));

    assertThat(run(filter, sameOrigin)).isTrue();
    assertThat(run(filter, originless)).isTrue();
    assertThat(sameOrigin.getResponse().getHeaders().getAccessControlAllowOrigin()).isNull();
  }

  @Test
  void originsBindFromACommaSeparatedEnvironmentVariable() {
    var env =
        new SystemEnvironmentPropertySource(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            Map.of(
                "LLM_GATEWAY_CORS_ALLOWED_ORIGINS", "https://a.example, http://localhost:3000/"));
    var sources = new MutablePropertySources();
    sources.addFirst(env);

    GatewayProperties.Cors cors =
        new Binder(ConfigurationPropertySources.from(sources))
            .bind("llm.gateway", GatewayProperties.class)
            .get()
            .cors();

    assertThat(cors.allowedOrigins()).containsExactly("https://a.example", "http://localhost:3000");
    assertThat(properties(Map.of()).cors().allowedOrigins()).isEmpty();
    var empty = new MutablePropertySources();
    empty.addFirst(new MapPropertySource("env", Map.of("llm.gateway.cors.allowed-origins", "")));
    assertThat(
            new Binder(ConfigurationPropertySources.from(empty))
                .bindOrCreate("llm.gateway", GatewayProperties.class)
                .cors()
                .enabled())
        .isFalse();
  }

  @Test
  void aStarWithOtherOriginsOrSomethingThatIsNotAnOriginStopsTheStartUp() {
    assertThatThrownBy(() -> properties(Map.of("llm.gateway.cors.allowed-origins", "*," + APP)))
        .rootCause()
        .hasMessageContaining("'*' allows every origin");
    for (String notAnOrigin :
        List.of("app.example.com", "https://app.example.com/chat", "ftp://x.example", "null")) {
      assertThatThrownBy(() -> properties(Map.of("llm.gateway.cors.allowed-origins", notAnOrigin)))
          .as(notAnOrigin)
          .rootCause()
          .hasMessageContaining("is not an origin");
    }
  }

  private static MockServerWebExchange preflight(String origin, String method, String headers) {
    return MockServerWebExchange.from(
        MockServerHttpRequest.options("http://gateway.example.com/v1/chat/completions")
            .header(HttpHeaders.ORIGIN, origin)
            .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, method)
            .header(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, headers));
  }

  private static MockServerWebExchange request(String origin) {
    return MockServerWebExchange.from(
        MockServerHttpRequest.get("http://gateway.example.com/v1/models")
            .header(HttpHeaders.ORIGIN, origin));
  }

  /** Runs the filter; whether it passed the exchange on to the rest of the chain. */
  private static boolean run(CrossOriginFilter filter, MockServerWebExchange exchange) {
    var passedOn = new AtomicBoolean();
    filter
        .filter(
            exchange,
            e -> {
              passedOn.set(true);
              return reactor.core.publisher.Mono.empty();
            })
        .block();
    return passedOn.get();
  }

  private static CrossOriginFilter filter(String... nameValue) {
    var values = new HashMap<String, String>();
    for (int i = 0; i + 1 < nameValue.length; i += 2) {
      values.put(nameValue[i], nameValue[i + 1]);
    }
    return new CrossOriginFilter(properties(values));
  }

  private static GatewayProperties properties(Map<String, String> values) {
    return new Binder(new MapConfigurationPropertySource(values))
        .bindOrCreate("llm.gateway", GatewayProperties.class);
  }
}
