package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * What a browser page needs from the gateway, with the platform started as deployed: CORS for the
 * allowed origin ({@link Platform#BROWSER_ORIGIN}) and none for another, on answers and streams;
 * and the OpenAPI document and Swagger UI without a key.
 */
class BrowserAccessIT {

  /** Every public path of the gateway and its methods: the gateway README's API table. */
  private static final Map<String, Set<String>> PUBLIC_OPERATIONS =
      Map.of(
          "/v1/chat/completions", Set.of("post"),
          "/v1/completions", Set.of("post"),
          "/v1/models", Set.of("get"),
          "/v1/models/{id}", Set.of("get"),
          "/v1/sessions", Set.of("get", "post"),
          "/v1/sessions/{id}", Set.of("get", "delete"),
          "/v1/sessions/{id}/messages", Set.of("get", "post"));

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static Platform platform;

  @BeforeAll
  static void start() throws Exception {
    platform = Platform.get();
  }

  @Test
  void aPreflightFromTheAllowedOriginIsAnsweredWithoutAKey() throws Exception {
    HttpResponse<String> answer = preflight(Platform.BROWSER_ORIGIN);

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("Access-Control-Allow-Origin"))
        .hasValue(Platform.BROWSER_ORIGIN);
    assertThat(answer.headers().firstValue("Access-Control-Allow-Methods").orElse(""))
        .contains("POST");
    assertThat(answer.headers().firstValue("Access-Control-Allow-Headers").orElse(""))
        .contains("authorization")
        .contains("x-stainless-retry-count");
    assertThat(answer.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
  }

  @Test
  void aPreflightFromAnotherOriginIs403WithoutCorsHeaders() throws Exception {
    HttpResponse<String> answer = preflight("https://elsewhere.example.com");

    assertThat(answer.statusCode()).isEqualTo(403);
    assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void aStreamAndAnErrorToTheAllowedOriginCarryTheCorsHeaders() throws Exception {
    HttpResponse<InputStream> stream =
        CLIENT.send(
            chat(platform.alphaKey, ChatIT.chat(",\"stream\":true")),
            HttpResponse.BodyHandlers.ofInputStream());
    try (var lines =
        new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      assertThat(stream.statusCode()).isEqualTo(200);
      assertThat(stream.headers().firstValue("Access-Control-Allow-Origin"))
          .hasValue(Platform.BROWSER_ORIGIN);
      assertThat(stream.headers().firstValue("Access-Control-Expose-Headers").orElse(""))
          .contains("x-request-id");
      assertThat(
              lines
                  .lines()
                  .filter(line -> line.startsWith("data:"))
                  .map(line -> line.substring(5).strip())
                  .toList())
          .last()
          .isEqualTo("[DONE]");
    }

    HttpResponse<String> unauthorized =
        CLIENT.send(chat("sk-wrong", ChatIT.chat("")), HttpResponse.BodyHandlers.ofString());
    assertThat(unauthorized.statusCode()).isEqualTo(401);
    assertThat(unauthorized.headers().firstValue("Access-Control-Allow-Origin"))
        .hasValue(Platform.BROWSER_ORIGIN);
  }

  @Test
  void theOpenApiDocumentListsEveryPublicPathWithoutAKey() throws Exception {
    Http.Answer docs = Http.get(platform.gatewayUrl() + "/v3/api-docs", null);

    assertThat(docs.status()).isEqualTo(200);
    var documented = new TreeMap<String, Set<String>>();
    docs.json()
        .path("paths")
        .properties()
        .forEach(p -> documented.put(p.getKey(), new TreeSet<>(p.getValue().propertyNames())));
    assertThat(documented).isEqualTo(new TreeMap<>(PUBLIC_OPERATIONS));
    JsonNode chatBody =
        docs.json().at("/paths/~1v1~1chat~1completions/post/requestBody/content/application~1json");
    assertThat(chatBody.path("schema").path("$ref").asString()).endsWith("ChatCompletionRequest");
    assertThat(Http.get(platform.gatewayUrl() + "/docs", null).status()).isIn(200, 302);
  }

  private static HttpResponse<String> preflight(String origin) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(30))
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type,x-stainless-lang,x-stainless-retry-count")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest chat(String key, String body) {
    return HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(60))
        .header("Origin", Platform.BROWSER_ORIGIN)
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }
}
