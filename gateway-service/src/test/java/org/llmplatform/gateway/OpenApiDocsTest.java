package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI document ({@code /v3/api-docs}) and Swagger UI ({@code /docs}) answer without an API
 * key; the document lists every public operation with its schemas and nothing else; and they are
 * the only thing served without a key.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.models.tiny.inference-url=http://127.0.0.1:1",
      "llm.gateway.tokenizer-url=http://127.0.0.1:1",
      "llm.gateway.session-url=http://127.0.0.1:1",
      "llm.gateway.api-keys[0].sha256=" + GatewayTestKeys.ALPHA_SHA256,
      "llm.gateway.api-keys[0].tenant=alpha",
    })
@AutoConfigureWebTestClient
class OpenApiDocsTest {

  /** Every public path of the gateway and its methods: the README's API table. */
  static final Map<String, Set<String>> PUBLIC_OPERATIONS =
      Map.of(
          "/v1/chat/completions", Set.of("post"),
          "/v1/completions", Set.of("post"),
          "/v1/models", Set.of("get"),
          "/v1/models/{id}", Set.of("get"),
          "/v1/sessions", Set.of("get", "post"),
          "/v1/sessions/{id}", Set.of("get", "delete"),
          "/v1/sessions/{id}/messages", Set.of("get", "post"));

  @Autowired WebTestClient http;
  @Autowired JsonMapper json;

  @Autowired
  @Qualifier("requestMappingHandlerMapping")
  RequestMappingHandlerMapping mappings;

  @LocalServerPort int port;

  @Test
  void theDocumentAnswersWithoutAKeyAndListsEveryPublicOperationAndNothingElse() {
    JsonNode doc = apiDocs();

    var documented = new TreeMap<String, Set<String>>();
    doc.path("paths")
        .properties()
        .forEach(
            path -> documented.put(path.getKey(), new TreeSet<>(path.getValue().propertyNames())));
    assertThat(documented).isEqualTo(new TreeMap<>(PUBLIC_OPERATIONS));
    assertThat(doc.path("info").path("title").asString()).isEqualTo("llm-platform gateway");
    assertThat(doc.path("info").path("version").asString()).isNotBlank();
    assertThat(doc.path("info").path("description").asString()).contains("OpenAI");
  }

  @Test
  void everyApiPathTheGatewayServesIsInTheList() {
    var served = new TreeMap<String, Set<String>>();
    mappings
        .getHandlerMethods()
        .keySet()
        .forEach(
            info ->
                info.getPatternsCondition().getPatterns().stream()
                    .map(Object::toString)
                    .filter(path -> path.startsWith("/v1/"))
                    .forEach(
                        path ->
                            info.getMethodsCondition()
                                .getMethods()
                                .forEach(
                                    method ->
                                        served
                                            .computeIfAbsent(path, p -> new TreeSet<>())
                                            .add(method.name().toLowerCase()))));
    assertThat(served).isEqualTo(new TreeMap<>(PUBLIC_OPERATIONS));
  }

  @Test
  void everyRequestBodyHasTheSchemaOfItsRecord() {
    JsonNode doc = apiDocs();

    assertBody(
        doc, "/v1/chat/completions", Set.of("model", "messages", "max_tokens", "session_id"));
    assertBody(doc, "/v1/completions", Set.of("model", "prompt", "max_tokens"));
    JsonNode session = assertBody(doc, "/v1/sessions", Set.of("model", "system_prompt"));
    assertThat(session.path("properties").has("owner")).as("set by the gateway").isFalse();
    JsonNode append =
        assertBody(doc, "/v1/sessions/{id}/messages", Set.of("messages", "expected_seq"));
    assertThat(append.path("properties").has("request_hash")).isFalse();
    assertThat(doc.path("components").path("schemas").has("JsonNode")).isFalse();
  }

  @Test
  void answersHaveTheirSchemasAndEveryOperationItsErrorsAndTheBearerKey() {
    JsonNode doc = apiDocs();

    JsonNode chat = doc.at("/paths/~1v1~1chat~1completions/post/responses/200/content");
    assertThat(schema(doc, chat.path("application/json")).path("properties").has("choices"))
        .isTrue();
    assertThat(schema(doc, chat.path("text/event-stream")).path("properties").has("choices"))
        .isTrue();
    assertThat(
            schema(doc, doc.at("/paths/~1v1~1models/get/responses/200/content/application~1json"))
                .path("properties")
                .has("data"))
        .isTrue();
    assertThat(
            schema(
                    doc,
                    doc.at(
                        "/paths/~1v1~1sessions~1{id}~1messages/get/responses/200/content/application~1json"))
                .path("properties")
                .has("messages"))
        .isTrue();
    var operationIds = new TreeSet<String>();
    doc.path("paths")
        .forEach(
            path ->
                path.forEach(
                    operation -> {
                      operationIds.add(operation.path("operationId").asString());
                      assertThat(operation.path("tags")).hasSize(1);
                      assertThat(
                              schema(doc, operation.at("/responses/401/content/application~1json"))
                                  .path("properties")
                                  .has("error"))
                          .isTrue();
                    }));
    assertThat(operationIds).contains("createChatCompletion", "createCompletion", "listModels");
    assertThat(operationIds).hasSize(10);
    assertThat(doc.at("/components/securitySchemes/api-key/scheme").asString()).isEqualTo("bearer");
    assertThat(doc.at("/security/0").has("api-key")).isTrue();
  }

  @Test
  void swaggerUiAnswersWithoutAKey() {
    String location =
        http.get()
            .uri("/docs")
            .exchange()
            .expectStatus()
            .is3xxRedirection()
            .returnResult(Void.class)
            .getResponseHeaders()
            .getFirst(HttpHeaders.LOCATION);
    http.get().uri(location).exchange().expectStatus().isOk();
    for (String asset : new String[] {"swagger-initializer.js", "swagger-ui-bundle.js"}) {
      http.get().uri("/swagger-ui/" + asset).exchange().expectStatus().isOk();
    }
    http.get()
        .uri("/v3/api-docs/swagger-config")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.url")
        .isEqualTo("/v3/api-docs");
    http.get().uri("/v3/api-docs.yaml").exchange().expectStatus().isOk();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v1/models",
        "/v1/models/tiny",
        "/%76%31/models",
        "/v1;x=1/models",
        "/v1/models;x=1",
        "//v1/models",
        "/v3/api-docs/../../v1/models",
        "/v3/api-docs;/../../v1/models",
        "/docs/../v1/models",
        "/swagger-ui/../v1/models",
        "/swagger-ui/%2e%2e/v1/models",
        "/actuator/health",
        "/anything-else",
      })
  void theDocumentationIsNotAHoleEverythingElseNeedsTheKey(String path) {
    var answer =
        http.get()
            .uri(URI.create("http://127.0.0.1:" + port + path))
            .exchange()
            .returnResult(String.class);
    assertThat(answer.getStatus().value()).as(path).isIn(401, 404, 400);
    assertThat(
            answer.getResponseBodyContent() == null
                ? ""
                : new String(answer.getResponseBodyContent()))
        .doesNotContain("\"object\":\"list\"")
        .doesNotContain("\"owned_by\"");
  }

  @Test
  void onlyReadingTheDocumentationIsKeyless() {
    http.post().uri("/v3/api-docs").exchange().expectStatus().isUnauthorized();
    http.delete().uri("/docs").exchange().expectStatus().isUnauthorized();
    http.get()
        .uri("/actuator/health")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .exchange()
        .expectStatus()
        .isNotFound();
  }

  private JsonNode apiDocs() {
    byte[] body =
        http.mutate()
            .responseTimeout(
                Duration.ofSeconds(30)) // the first one is generated: slow on a busy CI
            .build()
            .get()
            .uri("/v3/api-docs")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .returnResult()
            .getResponseBody();
    return json.readTree(body);
  }

  /** The request body's schema; it has at least the given properties. */
  private static JsonNode assertBody(JsonNode doc, String path, Set<String> properties) {
    JsonNode body =
        doc.path("paths").path(path).path("post").at("/requestBody/content/application~1json");
    JsonNode schema = schema(doc, body);
    assertThat(schema.path("properties").propertyNames()).as(path).containsAll(properties);
    return schema;
  }

  /** The schema of a media type object, its {@code $ref} followed. */
  private static JsonNode schema(JsonNode doc, JsonNode mediaType) {
    String ref = mediaType.path("schema").path("$ref").asString("");
    assertThat(ref).as(mediaType.toString()).startsWith("#/components/schemas/");
    return doc.path("components")
        .path("schemas")
        .path(ref.substring("#/components/schemas/".length()));
  }
}
