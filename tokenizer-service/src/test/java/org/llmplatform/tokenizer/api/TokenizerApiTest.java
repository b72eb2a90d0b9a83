package org.llmplatform.tokenizer.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.tokenizer.ChatMessage;
import org.llmplatform.api.tokenizer.DetokenizeRequest;
import org.llmplatform.api.tokenizer.DetokenizeResponse;
import org.llmplatform.api.tokenizer.DetokenizeStreamResponse;
import org.llmplatform.api.tokenizer.TokenizeRequest;
import org.llmplatform.api.tokenizer.TokenizeResponse;
import org.llmplatform.api.tokenizer.TokenizerInfo;
import org.llmplatform.tokenizer.model.TestModels;
import org.llmplatform.tokenizer.model.TokenizerProperties;
import org.llmplatform.tokenizer.model.TokenizerRegistry;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The internal HTTP API over the project's two byte-level BPE test tokenizers, answers checked
 * against the JavaScript reference's goldens; and every kind of bad input.
 */
@WebFluxTest(TokenizerController.class)
@Import({TokenizerRegistry.class, ErrorHandler.class})
@EnableConfigurationProperties(TokenizerProperties.class)
class TokenizerApiTest {

  private static final JsonMapper JSON = JsonMapper.shared();
  private static JsonNode golden;

  @DynamicPropertySource
  static void models(DynamicPropertyRegistry registry) {
    registry.add(
        "llm.tokenizer.models.mha.dir",
        () -> TestModels.repo().resolve("test-models/tiny-llama-mha"));
    registry.add(
        "llm.tokenizer.models.gqa.dir",
        () -> TestModels.repo().resolve("test-models/tiny-llama-gqa"));
    registry.add("llm.tokenizer.default-model", () -> "gqa");
  }

  @BeforeAll
  static void readGolden() throws IOException {
    try (InputStream in =
        TokenizerApiTest.class.getResourceAsStream("/goldens/tiny-llama-gqa.json")) {
      golden = JSON.readTree(in);
    }
  }

  private WebTestClient http;

  @Autowired
  void client(WebTestClient client) {
    http = client.mutate().responseTimeout(Duration.ofSeconds(60)).build();
  }

  private static JsonNode goldenText(String text) {
    for (JsonNode entry : golden.path("encode").values()) {
      if (entry.path("text").asString().equals(text)) {
        return entry;
      }
    }
    throw new AssertionError("no golden for " + text);
  }

  private static List<Integer> ids(JsonNode node) {
    return node.values().stream().map(JsonNode::asInt).toList();
  }

  private ErrorBody.Detail badRequest(String uri, Object body) {
    return http.post()
        .uri(uri)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody(ErrorBody.class)
        .returnResult()
        .getResponseBody()
        .error();
  }

  @Test
  void tokenizesTextLikeTheReference() {
    String text = "Once upon a time, there was a little girl named Lily.";
    TokenizeResponse response =
        http.post()
            .uri("/v1/internal/tokenize")
            .bodyValue(TokenizeRequest.ofText(null, text))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(TokenizeResponse.class)
            .returnResult()
            .getResponseBody();
    assertThat(response.ids()).isEqualTo(ids(goldenText(text).path("ids")));
    assertThat(response.count()).isEqualTo(response.ids().size());
    assertThat(response.prompt()).isNull();
  }

  @Test
  void rendersAndTokenizesMessagesLikeTheReference() {
    JsonNode chat = golden.path("chat").get(3);
    List<ChatMessage> messages =
        JSON.convertValue(chat.path("messages"), new TypeReference<List<ChatMessage>>() {});
    TokenizeResponse response =
        http.post()
            .uri("/v1/internal/tokenize")
            .bodyValue(TokenizeRequest.ofMessages("gqa", messages))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(TokenizeResponse.class)
            .returnResult()
            .getResponseBody();
    assertThat(chat.path("add_generation_prompt").asBoolean()).isTrue();
    assertThat(response.prompt()).isEqualTo(chat.path("prompt").asString());
    assertThat(response.ids()).isEqualTo(ids(chat.path("ids")));
    // each message's tokens; the rest is the generation prompt, <|im_start|>assistant\n
    assertThat(response.messageTokens()).hasSize(messages.size()).allMatch(n -> n > 0);
    String generationPrompt = "<|im_start|>assistant\n";
    assertThat(response.prompt()).endsWith(generationPrompt);
    int sum = response.messageTokens().stream().mapToInt(Integer::intValue).sum();
    assertThat(response.count() - sum)
        .isEqualTo(
            http.post()
                .uri("/v1/internal/tokenize")
                .bodyValue(
                    new TokenizeRequest(
                        "gqa", generationPrompt, null, null, false, null, null, null, null))
                .exchange()
                .expectBody(TokenizeResponse.class)
                .returnResult()
                .getResponseBody()
                .count());
  }

  @Test
  void aTextPromptHasNoMessageTokens() {
    http.post()
        .uri("/v1/internal/tokenize")
        .bodyValue(TokenizeRequest.ofText("gqa", "Hello"))
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.message_tokens")
        .doesNotExist();
  }

  @Test
  void detokenizesLikeTheReference() {
    JsonNode entry = goldenText("日本語のテキストです。");
    DetokenizeResponse response =
        http.post()
            .uri("/v1/internal/detokenize")
            .bodyValue(DetokenizeRequest.of("mha", ids(entry.path("ids"))))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(DetokenizeResponse.class)
            .returnResult()
            .getResponseBody();
    assertThat(response.text()).isEqualTo(entry.path("decoded").asString());
  }

  @Test
  void streamingDetokenizationHoldsSplitCharactersBackAndEndsWithTheOneShotText() {
    JsonNode entry = goldenText("😀😃😄");
    List<Integer> ids = ids(entry.path("ids"));
    DetokenizeStreamResponse response =
        http.post()
            .uri("/v1/internal/detokenize/stream")
            .bodyValue(DetokenizeRequest.of(null, ids))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(DetokenizeStreamResponse.class)
            .returnResult()
            .getResponseBody();
    assertThat(ids).hasSizeGreaterThan(3); // byte-level: emoji split across tokens
    assertThat(response.pieces()).hasSize(ids.size()).contains("");
    assertThat(response.pieces()).allSatisfy(p -> assertThat(p).doesNotContain("\uFFFD"));
    assertThat(String.join("", response.pieces()) + response.tail())
        .isEqualTo(response.text())
        .isEqualTo(entry.path("decoded").asString());
  }

  @Test
  void describesTheTokenizer() throws IOException {
    JsonNode tokenizerJson =
        JSON.readTree(
            TestModels.repo().resolve("test-models/tiny-llama-gqa/tokenizer.json").toFile());
    int expectedSize = tokenizerJson.path("model").path("vocab").size();
    for (JsonNode added : tokenizerJson.path("added_tokens").values()) {
      expectedSize = Math.max(expectedSize, added.path("id").asInt() + 1);
    }
    TokenizerInfo info =
        http.get()
            .uri("/v1/internal/tokenizer?model=gqa")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(TokenizerInfo.class)
            .returnResult()
            .getResponseBody();
    assertThat(info.vocabSize()).isEqualTo(expectedSize);
    TokenizerInfo.SpecialToken eos = info.specialTokens().get("eos_token");
    assertThat(eos.content()).isEqualTo("<|im_end|>");
    assertThat(info.eosTokenIds()).contains(eos.id());
    assertThat(info.addedSpecialTokens()).contains(eos);
    assertThat(info.hasChatTemplate()).isTrue();
    assertThat(info.chatTemplateSource()).isEqualTo("model");
    assertThat(info.maxLength()).isEqualTo(512L);
  }

  @Test
  void publishesTheModelsTokenizerJsonAsOnDisk() throws IOException {
    byte[] onDisk =
        java.nio.file.Files.readAllBytes(
            TestModels.repo().resolve("test-models/tiny-llama-mha/tokenizer.json"));
    byte[] published =
        http.get()
            .uri("/v1/internal/tokenizer.json?model=mha")
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
            .expectBody(byte[].class)
            .returnResult()
            .getResponseBody();
    assertThat(published).isEqualTo(onDisk);
    http.get()
        .uri("/v1/internal/tokenizer.json?model=nope")
        .exchange()
        .expectStatus()
        .isBadRequest();
  }

  @Test
  void theDefaultModelAnswersWhenNoneIsNamed() {
    http.get()
        .uri("/v1/internal/tokenizer")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.model")
        .isEqualTo("gqa");
  }

  @Test
  void rejectsBothOrNeitherOfTextAndMessages() {
    assertThat(badRequest("/v1/internal/tokenize", Map.of("model", "gqa")).param())
        .isEqualTo("text");
    ErrorBody.Detail both =
        badRequest(
            "/v1/internal/tokenize",
            Map.of("text", "hi", "messages", List.of(Map.of("role", "user", "content", "hi"))));
    assertThat(both.code()).isEqualTo("invalid_request");
    assertThat(both.message()).contains("exactly one of text or messages");
  }

  @Test
  void rejectsAnUnknownRole() {
    ErrorBody.Detail error =
        badRequest(
            "/v1/internal/tokenize",
            Map.of(
                "messages",
                List.of(
                    Map.of("role", "user", "content", "hi"),
                    Map.of("role", "wizard", "content", "hi"))));
    assertThat(error.param()).isEqualTo("messages[1].role");
    assertThat(error.message()).startsWith("messages[1].role must be one of").contains("wizard");
  }

  @Test
  void rejectsAnUnknownModel() {
    ErrorBody.Detail error =
        badRequest("/v1/internal/tokenize", Map.of("model", "nope", "text", "hi"));
    assertThat(error.param()).isEqualTo("model");
    http.get().uri("/v1/internal/tokenizer?model=nope").exchange().expectStatus().isBadRequest();
  }

  @Test
  void rejectsIdsOutsideTheVocabulary() {
    ErrorBody.Detail tooLarge =
        badRequest("/v1/internal/detokenize", Map.of("ids", List.of(1, 1_000_000)));
    assertThat(tooLarge.param()).isEqualTo("ids");
    assertThat(tooLarge.message()).contains("1000000");
    assertThat(badRequest("/v1/internal/detokenize", Map.of("ids", List.of(-1))).param())
        .isEqualTo("ids");
    assertThat(badRequest("/v1/internal/detokenize/stream", Map.of("ids", List.of(99999))).param())
        .isEqualTo("ids");
    assertThat(badRequest("/v1/internal/detokenize", Map.of("model", "gqa")).param())
        .isEqualTo("ids");
  }

  @Test
  void rejectsTextBeyondTheOneMebibyteLimit() {
    String atLimit = "a".repeat((1 << 20) - 1) + " ";
    ErrorBody.Detail error =
        badRequest("/v1/internal/tokenize", TokenizeRequest.ofText(null, atLimit + "é"));
    assertThat(error.param()).isEqualTo("text");
    assertThat(error.message()).contains("1048576");
  }

  /** Beyond spring.http.codecs.max-in-memory-size (8 MB): 413, as in every service. */
  @Test
  void aBodyOverTheCodecLimitIs413RequestTooLarge() {
    ErrorBody.Detail huge =
        http.post()
            .uri("/v1/internal/tokenize")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(TokenizeRequest.ofText(null, "a".repeat(9 << 20)))
            .exchange()
            .expectStatus()
            .isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody()
            .error();
    assertThat(huge.code()).isEqualTo("request_too_large");
    assertThat(huge.message()).contains("larger than");
  }

  /** Values are read as typed: nothing is coerced, the error names the field by its path. */
  @Test
  void aValueOfTheWrongJsonTypeIsA400NamingTheField() {
    for (String[] body :
        List.of(
            new String[] {"/v1/internal/detokenize", "{\"ids\":[\"1\"]}", "ids[0]"},
            new String[] {"/v1/internal/detokenize", "{\"ids\":[1, 2.5]}", "ids[1]"},
            new String[] {"/v1/internal/detokenize", "{\"ids\":\"1\"}", "ids"},
            new String[] {
              "/v1/internal/detokenize",
              "{\"ids\":[1],\"skip_special_tokens\":\"false\"}",
              "skip_special_tokens"
            },
            new String[] {"/v1/internal/tokenize", "{\"text\":5}", "text"},
            new String[] {
              "/v1/internal/tokenize",
              "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"name\":7}]}",
              "messages[0].name"
            })) {
      ErrorBody.Detail error = badRequest(body[0], body[1].getBytes(StandardCharsets.UTF_8));
      assertThat(error.code()).as(body[1]).isEqualTo("invalid_request");
      assertThat(error.param()).as(body[1]).isEqualTo(body[2]);
      assertThat(error.message()).as(body[1]).startsWith(body[2]).doesNotContain("java.");
    }
  }

  @Test
  void aWrongPathOrMethodIsACleanError() {
    http.get()
        .uri("/v1/internal/nothing")
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("not_found");
    http.get()
        .uri("/v1/internal/tokenize")
        .exchange()
        .expectStatus()
        .isEqualTo(HttpStatus.METHOD_NOT_ALLOWED)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("invalid_request");
  }

  @Test
  void rejectsInvalidUtf8InTheBody() {
    byte[] prefix = "{\"text\":\"ab".getBytes(StandardCharsets.UTF_8);
    byte[] suffix = "cd\"}".getBytes(StandardCharsets.UTF_8);
    for (byte[] invalid : List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc3, 0x28})) {
      byte[] body = new byte[prefix.length + invalid.length + suffix.length];
      System.arraycopy(prefix, 0, body, 0, prefix.length);
      System.arraycopy(invalid, 0, body, prefix.length, invalid.length);
      System.arraycopy(suffix, 0, body, prefix.length + invalid.length, suffix.length);
      ErrorBody.Detail error = badRequest("/v1/internal/tokenize", body);
      assertThat(error.code()).isEqualTo("invalid_request");
      assertThat(error.message()).containsIgnoringCase("utf-8");
    }
  }

  @Test
  void rejectsAnUnpairedSurrogateEscape() {
    ErrorBody.Detail error =
        badRequest(
            "/v1/internal/tokenize", "{\"text\":\"a\\ud800b\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(error.param()).isEqualTo("text");
    assertThat(error.message()).contains("surrogate");
  }

  @Test
  void rejectsMalformedJsonAndAnUnknownTemplateName() {
    ErrorBody.Detail malformed =
        badRequest("/v1/internal/tokenize", "{\"text\":".getBytes(StandardCharsets.UTF_8));
    assertThat(malformed.code()).isEqualTo("invalid_request");
    assertThat(malformed.param()).isNull();
    assertThat(malformed.message()).startsWith("malformed JSON");
    ErrorBody.Detail error =
        badRequest(
            "/v1/internal/tokenize",
            Map.of(
                "messages",
                List.of(Map.of("role", "user", "content", "hi")),
                "chat_template",
                "tool_use"));
    assertThat(error.param()).isEqualTo("chat_template");
  }
}
