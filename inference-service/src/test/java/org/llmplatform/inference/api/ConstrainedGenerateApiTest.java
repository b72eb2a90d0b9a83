package org.llmplatform.inference.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.inference.GenerateResponse;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.TestModels;
import org.llmplatform.structured.vocab.Vocabulary;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code constraint} over HTTP against the real stories260K model: outputs, refusals, metrics. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConstrainedGenerateApiTest {

  static final JsonMapper JSON = JsonMapper.builder().build();
  static final String PERSON =
      "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":8},"
          + "\"age\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":120}},"
          + "\"required\":[\"name\",\"age\"],\"additionalProperties\":false}";

  @BeforeAll
  static void requireModel() {
    TestModels.stories260K();
  }

  @DynamicPropertySource
  static void model(DynamicPropertyRegistry registry) {
    registry.add("llm.model.dir", () -> TestModels.stories260K().toString());
    registry.add("llm.inference.max-batch-size", () -> "8");
    registry.add("llm.constraint.max-size", () -> "8192");
    registry.add("llm.constraint.compile-timeout", () -> "2s");
  }

  @LocalServerPort int port;

  WebTestClient http() {
    return WebTestClient.bindToServer()
        .baseUrl("http://localhost:" + port)
        .responseTimeout(Duration.ofSeconds(60))
        .build();
  }

  static List<Integer> prompt() {
    return java.util.Arrays.stream(
            ReferenceCase.load(TestModels.stories260K()).getFirst().promptIds())
        .boxed()
        .toList();
  }

  static Map<String, Object> body(Map<String, Object> constraint, Object... more) {
    var body = new java.util.HashMap<String, Object>();
    body.put("input_ids", prompt());
    body.put("max_new_tokens", 450);
    body.put("constraint", constraint);
    for (int i = 0; i < more.length; i += 2) {
      body.put((String) more[i], more[i + 1]);
    }
    return body;
  }

  static Map<String, Object> toolCalls(Map<String, Object> format) {
    return Map.of("type", "tool_calls", "tool_calls", format);
  }

  static String text(List<Integer> ids) {
    Vocabulary v = Vocabulary.fromTokenizerJson(TestModels.stories260K().resolve("tokenizer.json"));
    var out = new java.io.ByteArrayOutputStream();
    for (int id : ids) {
      if (v.bytes(id) != null) {
        out.writeBytes(v.bytes(id));
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aJsonSchemaGivesAMatchingObjectAndCountsForcedTokens() {
    double before = metric("llm_constraint_fast_forward_tokens_total");
    GenerateResponse r =
        http()
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body(Map.of("type", "json_schema", "schema", PERSON)))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(GenerateResponse.class)
            .returnResult()
            .getResponseBody();
    assertThat(r.finishReason()).isEqualTo("stop");
    JsonNode json = JSON.readTree(text(r.outputIds()));
    assertThat(json.get("name").isString()).isTrue();
    assertThat(json.get("age").asInt()).isBetween(0, 120);
    // the keys' tails ("name" after "n, "age" after "a) are forced
    assertThat(metric("llm_constraint_fast_forward_tokens_total")).isGreaterThan(before);
  }

  @Test
  void toolCallsRequiredGiveACallInTheFamilysFormat() {
    String schema =
        "{\"type\":\"object\",\"properties\":{\"name\":{\"const\":\"add\"},"
            + "\"arguments\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\","
            + "\"minimum\":0,\"maximum\":99}},\"required\":[\"a\"],\"additionalProperties\":false}},"
            + "\"required\":[\"name\",\"arguments\"],\"additionalProperties\":false}";
    Map<String, Object> format =
        Map.of(
            "schema",
            schema,
            "opener",
            "<tool_call>\n",
            "closer",
            "\n</tool_call>",
            "required",
            true,
            "parallel",
            false);
    GenerateResponse r =
        http()
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body(toolCalls(format)))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(GenerateResponse.class)
            .returnResult()
            .getResponseBody();
    assertThat(r.finishReason()).isEqualTo("stop");
    String text = text(r.outputIds());
    assertThat(text).startsWith("<tool_call>\n").endsWith("\n</tool_call>");
    JsonNode call = JSON.readTree(text.substring(12, text.length() - 13));
    assertThat(call.get("name").asString()).isEqualTo("add");
    assertThat(call.get("arguments").get("a").asInt()).isBetween(0, 99);
  }

  @Test
  void aStreamedConstrainedGenerationSendsTokensThenStop() {
    List<ServerSentEvent<String>> events =
        WebClient.create("http://localhost:" + port)
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                body(
                    Map.of("type", "choice", "choices", List.of("yes", "no", "maybe")),
                    "stream",
                    true,
                    "logprobs",
                    2))
            .retrieve()
            .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {})
            .collectList()
            .block(Duration.ofSeconds(60));
    List<Integer> ids = new ArrayList<>();
    for (var e : events.subList(0, events.size() - 1)) {
      assertThat(e.event()).isEqualTo("token");
      JsonNode t = JSON.readTree(e.data());
      ids.add(t.get("token_id").asInt());
      assertThat(t.get("logprob").asDouble()).isLessThanOrEqualTo(0.0);
    }
    assertThat(events.getLast().event()).isEqualTo("finish");
    assertThat(JSON.readTree(events.getLast().data()).get("finish_reason").asString())
        .isEqualTo("stop");
    assertThat(text(ids)).isIn("yes", "no", "maybe");
  }

  static List<Object[]> refused() {
    return List.of(
        new Object[] {
          Map.of("type", "json_schema", "schema", "{\"type\":\"object\",\"if\":{}}"),
          "constraint.schema",
          "'if'"
        },
        new Object[] {
          Map.of("type", "json_schema", "schema", "{\"$ref\":\"#\"}"), "constraint.schema", "'$ref'"
        },
        new Object[] {
          Map.of(
              "type",
              "json_schema",
              "schema",
              "{\"items\":".repeat(1000) + "{}" + "}".repeat(1000)),
          "constraint.schema",
          "limit is 8192"
        },
        new Object[] {
          Map.of(
              "type", "json_schema", "schema", "{\"items\":".repeat(600) + "{}" + "}".repeat(600)),
          "constraint.schema",
          "nesting depth"
        },
        new Object[] {
          Map.of("type", "regex", "pattern", "(\\w+\\s?){1,200}x"),
          "constraint.pattern",
          "the constraint"
        },
        new Object[] {Map.of("type", "regex", "pattern", "a(?=b)"), "constraint.pattern", "look"},
        new Object[] {Map.of("type", "xml"), "constraint.type", "json_schema"},
        new Object[] {
          toolCalls(Map.of("schema", "{\"if\":{}}", "required", true, "parallel", false)),
          "constraint.tool_calls.schema",
          "'if'"
        },
        new Object[] {
          toolCalls(Map.of("schema", "{\"type\":", "required", true, "parallel", false)),
          "constraint.tool_calls.schema",
          "not JSON"
        },
        new Object[] {
          toolCalls(Map.of("schema", "{}", "required", false, "parallel", false)),
          "constraint.tool_calls.opener",
          "opener"
        },
        new Object[] {Map.of("type", "json_schema"), "constraint.schema", "schema"});
  }

  @ParameterizedTest(name = "{1} {2}")
  @MethodSource("refused")
  void aRefusedConstraintIsA400NamingTheFieldInBoundedTime(
      Map<String, Object> constraint, String param, String message) {
    long start = System.nanoTime();
    ErrorBody error =
        http()
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body(constraint))
            .exchange()
            .expectStatus()
            .isBadRequest()
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody();
    assertThat(error.error().code()).isEqualTo("invalid_request");
    assertThat(error.error().param()).isEqualTo(param);
    assertThat(error.error().message()).contains(message);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void beamSearchWithAConstraintIsA400NamingConstraint() {
    ErrorBody error =
        http()
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body(Map.of("type", "json_object"), "num_beams", 2))
            .exchange()
            .expectStatus()
            .isBadRequest()
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody();
    assertThat(error.error().param()).isEqualTo("constraint");
    assertThat(error.error().message()).contains("num_beams");
  }

  private double metric(String name) {
    String metrics =
        http()
            .get()
            .uri("/actuator/prometheus")
            .exchange()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    return metrics
        .lines()
        .filter(l -> l.startsWith(name))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElse(0);
  }
}
