package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Hostile and mistaken request bodies are refused before any downstream is called (none listens
 * here): wrong JSON types are not coerced, every 400 names its field, and no message shows Java
 * class names or controller signatures.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.models.tiny.inference-url=http://127.0.0.1:1",
      "llm.gateway.tokenizer-url=http://127.0.0.1:1",
      "llm.gateway.session-url=http://127.0.0.1:1",
      "llm.gateway.resilience.retries=0",
      "llm.gateway.api-keys[0].sha256=" + GatewayTestKeys.ALPHA_SHA256,
      "llm.gateway.api-keys[0].tenant=alpha",
    })
@AutoConfigureWebTestClient
class StrictRequestTest {

  private static final String USER = "[{\"role\":\"user\",\"content\":\"hi\"}]";

  @Autowired WebTestClient http;

  @ParameterizedTest(name = "{0} → param {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"max_tokens\":\"8\"                        | max_tokens         | an integer",
        "\"max_tokens\":8.5                          | max_tokens         | an integer",
        "\"max_tokens\":true                         | max_tokens         | an integer",
        "\"temperature\":\"0.5\"                     | temperature        | a number",
        "\"stop\":5                                  | stop               | a string",
        "\"stop\":[\"a\",7]                          | stop[1]            | a string",
        "\"stream\":\"yes\"                          | stream             | a boolean",
        "\"seed\":\"42\"                             | seed               | an integer",
        "\"logit_bias\":{\"5\":\"high\"}             | logit_bias.5       | a number",
        "\"stream_options\":{\"include_usage\":1}    | stream_options.include_usage | a boolean",
      })
  void wrongTypesAre400NamingTheField(String field, String param, String expected) {
    chat("{\"model\":\"tiny\",\"messages\":" + USER + "," + field + "}")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo(param)
        .jsonPath("$.error.message")
        .value(
            m ->
                assertThat((String) m)
                    .contains(expected)
                    .doesNotContain("java.", "org.llmplatform", "Exception", "`"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"role\":\"user\",\"content\":null}     | messages.content",
        "{\"role\":\"system\",\"content\":null}   | messages.content",
        "{\"role\":\"user\",\"content\":5}        | messages.content",
        "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]} | messages.content",
        "{\"role\":\"wizard\",\"content\":\"x\"}  | messages.role",
        "{\"role\":7,\"content\":\"x\"}           | messages[0].role",
        "{\"role\":\"tool\",\"content\":\"x\"}      | messages.tool_call_id",
        "{\"role\":\"user\",\"content\":\"x\",\"tool_call_id\":\"c\"} | messages.tool_call_id",
        "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]} | messages.content",
        "{\"role\":\"user\",\"content\":\"x\",\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f\"}}]} | messages.tool_calls",
        "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"x\",\"function\":{\"name\":\"f\"}}]} | messages.tool_calls.type",
      })
  void badMessagesAre400NamingTheField(String message, String param) {
    chat("{\"model\":\"tiny\",\"messages\":[" + message + "]}")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo(param)
        .jsonPath("$.error.message")
        .value(m -> assertThat((String) m).doesNotContain("java.", "org.llmplatform"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"response_format\":{\"type\":\"text\",\"x\":1}   | response_format.x",
        "\"functions\":[]                                  | functions",
        "\"suffix\":\"x\"                                | suffix",
        "\"best_of\":2                                     | best_of",
        "\"made_up_field\":1                               | made_up_field",
        "\"stream_options\":{\"include_obfuscation\":true} | stream_options.include_obfuscation",
      })
  void fieldsThePlatformDoesNotImplementAre400Unsupported(String field, String param) {
    chat("{\"model\":\"tiny\",\"messages\":" + USER + "," + field + "}")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("unsupported_parameter")
        .jsonPath("$.error.type")
        .isEqualTo("invalid_request_error")
        .jsonPath("$.error.param")
        .isEqualTo(param);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"type\":\"xml\"}                                    | response_format.type",
        "{}                                                      | response_format.type",
        "{\"type\":\"json_schema\"}                            | response_format.json_schema",
        "{\"type\":\"json_object\",\"json_schema\":{\"name\":\"a\",\"schema\":{}}}          | response_format.json_schema",
        "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a b\",\"schema\":{}}} | response_format.json_schema.name",
        "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a\"}} | response_format.json_schema.schema",
        "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a\",\"schema\":7}} | response_format.json_schema.schema",
        "{\"type\":\"json_object\"},\"guided_regex\":\"a+\"  | guided_regex",
      })
  void aResponseFormatThatCannotBeMetIs400NamingTheField(String format, String param) {
    chat("{\"model\":\"tiny\",\"messages\":" + USER + ",\"response_format\":" + format + "}")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("invalid_request")
        .jsonPath("$.error.param")
        .isEqualTo(param);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"tool_choice\":\"auto\"                                   | tool_choice",
        "\"tool_choice\":\"sometimes\"                              | tool_choice",
        "\"tools\":[{\"type\":\"web\",\"function\":{\"name\":\"f\"}}] | tools.type",
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a b\"}}] | tools.function.name",
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":3}}] | tools.function.parameters",
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}},{\"type\":\"function\",\"function\":{\"name\":\"f\"}}] | tools",
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"g\"}} | tool_choice",
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"response_format\":{\"type\":\"json_object\"} | tools",
      })
  void toolsThatCannotBeUsedAre400NamingTheField(String fields, String param) {
    chat("{\"model\":\"tiny\",\"messages\":" + USER + "," + fields + "}")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("invalid_request")
        .jsonPath("$.error.param")
        .isEqualTo(param);
  }

  @Test
  void aMessageFieldThePlatformDoesNotImplementIs400Unsupported() {
    chat("{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"4\","
            + "\"audio\":{\"id\":\"a_1\"}}]}")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("unsupported_parameter")
        .jsonPath("$.error.param")
        .isEqualTo("messages[0].audio");
  }

  @Test
  void fieldsIgnoredOnPurposeAreAccepted() {
    // accepted: the request gets past parsing and fails only at the (absent) downstream
    chat("{\"model\":\"tiny\",\"messages\":"
            + USER
            + ",\"store\":false,\"metadata\":{\"a\":\"b\"},\"service_tier\":\"auto\","
            + "\"user\":\"u-1\"}")
        .expectStatus()
        .isEqualTo(503);
  }

  @Test
  void malformedJsonSaysWhereAndNamesNoClass() {
    chat("{\"model\":\"tiny\",\"messages\":[}")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.message")
        .value(
            m ->
                assertThat((String) m)
                    .startsWith("malformed JSON at line 1")
                    .doesNotContain("java.", "org.llmplatform", "Source"));
  }

  @Test
  void aMissingBodyNamesNoControllerMethod() {
    http.post()
        .uri("/v1/chat/completions")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .contentType(MediaType.APPLICATION_JSON)
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.message")
        .value(
            m ->
                assertThat((String) m)
                    .doesNotContain("method", "org.llmplatform", "Mono", "ServerWebExchange"));
  }

  @ParameterizedTest
  @CsvSource({"'has space'", "'a/b'", "'x%2F'", "''"})
  void aMalformedIdempotencyKeyIs400NamingTheHeader(String key) {
    http.post()
        .uri("/v1/chat/completions")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .header("Idempotency-Key", key)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":\"tiny\",\"session_id\":\"sess_x\",\"messages\":" + USER + "}")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo("Idempotency-Key");
  }

  @Test
  void aLongIdempotencyKeyIs400() {
    aMalformedIdempotencyKeyIs400NamingTheHeader("k".repeat(129));
  }

  @ParameterizedTest
  @CsvSource({"'../../etc/passwd'", "'nope'", "'TINY'"})
  void aSessionForAnUnknownModelIs404(String model) {
    http.post()
        .uri("/v1/sessions")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":\"" + model + "\"}")
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("model_not_found")
        .jsonPath("$.error.param")
        .isEqualTo("model");
  }

  @Test
  void aSessionModelOfTheWrongTypeIs400() {
    http.post()
        .uri("/v1/sessions")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":[\"tiny\"]}")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo("model");
  }

  private WebTestClient.ResponseSpec chat(String body) {
    return http.post()
        .uri("/v1/chat/completions")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange();
  }
}
