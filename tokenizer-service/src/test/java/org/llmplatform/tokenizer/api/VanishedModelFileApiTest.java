package org.llmplatform.tokenizer.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.error.ErrorBody;
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

/**
 * A failure inside the service, not the client's: the model's {@code tokenizer.json} is gone from
 * its folder after start-up (a volume unmounted under the running service). {@code GET
 * /v1/internal/tokenizer.json} answers 500 {@code internal_error} with the request id, and neither
 * the file's path nor the exception reaches the client.
 */
@WebFluxTest(TokenizerController.class)
@Import({TokenizerRegistry.class, ErrorHandler.class})
@EnableConfigurationProperties(TokenizerProperties.class)
class VanishedModelFileApiTest {

  private static final Path MODEL = TemplateModels.withTemplate("{{ messages[0]['content'] }}");

  @DynamicPropertySource
  static void models(DynamicPropertyRegistry registry) {
    registry.add("llm.tokenizer.models.vanishing.dir", MODEL::toString);
  }

  @Autowired WebTestClient http;

  @Test
  void aMissingModelFileIs500InternalErrorWithoutThePathOrTheException() throws IOException {
    http.get().uri("/v1/internal/tokenizer.json?model=vanishing").exchange().expectStatus().isOk();

    Files.delete(MODEL.resolve("tokenizer.json"));

    ErrorBody.Detail error =
        http.get()
            .uri("/v1/internal/tokenizer.json?model=vanishing")
            .header("x-request-id", "req-9")
            .exchange()
            .expectStatus()
            .isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR)
            .expectHeader()
            .contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody()
            .error();
    assertThat(error.code()).isEqualTo("internal_error");
    assertThat(error.param()).isNull();
    assertThat(error.message())
        .contains("req-9")
        .doesNotContain(MODEL.toString())
        .doesNotContain("tokenizer.json")
        .doesNotContain("Exception")
        .doesNotContain("java.");
  }
}
