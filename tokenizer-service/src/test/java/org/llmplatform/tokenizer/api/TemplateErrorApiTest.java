package org.llmplatform.tokenizer.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.tokenizer.model.TestModels;
import org.llmplatform.tokenizer.model.TokenizerProperties;
import org.llmplatform.tokenizer.model.TokenizerRegistry;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A template's {@code raise_exception} answers 400 with its message (the Llama 2 template of the
 * shared ONNX Runtime GenAI model), and a model without a template uses the documented default
 * (stories260K). Skipped when the shared models are absent.
 */
@WebFluxTest(TokenizerController.class)
@Import({TokenizerRegistry.class, ErrorHandler.class})
@EnableConfigurationProperties(TokenizerProperties.class)
@EnabledIf(
    value = "sharedModelsPresent",
    disabledReason = "the shared models are absent (set -Dllm.shared.dir)")
class TemplateErrorApiTest {

  static boolean sharedModelsPresent() {
    return Files.isDirectory(TestModels.shared().resolve("models/ortgenai-tiny-llama-fp16"))
        && Files.isDirectory(TestModels.shared().resolve("models/stories260K"));
  }

  @DynamicPropertySource
  static void models(DynamicPropertyRegistry registry) {
    registry.add(
        "llm.tokenizer.models.llama2.dir",
        () -> TestModels.shared().resolve("models/ortgenai-tiny-llama-fp16"));
    registry.add(
        "llm.tokenizer.models.stories.dir",
        () -> TestModels.shared().resolve("models/stories260K"));
  }

  @Autowired WebTestClient http;

  @Test
  void aTemplateThatRaisesAnswers400WithItsMessage() {
    ErrorBody body =
        http.post()
            .uri("/v1/internal/tokenize")
            .bodyValue(
                Map.of(
                    "model",
                    "llama2",
                    "messages",
                    List.of(
                        Map.of("role", "user", "content", "one"),
                        Map.of("role", "user", "content", "two"))))
            .exchange()
            .expectStatus()
            .isBadRequest()
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody();
    assertThat(body.error().message())
        .isEqualTo("Conversation roles must alternate user/assistant/user/assistant/...");
    assertThat(body.error().param()).isEqualTo("messages[1]"); // the second user turn
  }

  @Test
  void aModelWithoutATemplateUsesTheDocumentedDefault() {
    http.get()
        .uri("/v1/internal/tokenizer?model=stories")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.has_chat_template")
        .isEqualTo(false)
        .jsonPath("$.chat_template_source")
        .isEqualTo("default");
    http.post()
        .uri("/v1/internal/tokenize")
        .bodyValue(
            Map.of(
                "model",
                "stories",
                "messages",
                List.of(
                    Map.of("role", "system", "content", "Be kind."),
                    Map.of("role", "user", "content", "Tell a story."))))
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.prompt")
        .isEqualTo("<s>Be kind.\n\nUser: Tell a story.\n\nAssistant:")
        .jsonPath("$.ids[0]")
        .isEqualTo(1);
  }
}
