package org.llmplatform.inference.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.llmplatform.api.inference.GenerateResponse;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.TestModels;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code llm.inference.kv-binding=iobinding}: the service starts on the IoBinding executor (it logs
 * the choice) and reproduces the reference over HTTP.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class IoBindingServiceTest {

  @BeforeAll
  static void requireModel() {
    TestModels.stories260K();
  }

  @DynamicPropertySource
  static void model(DynamicPropertyRegistry registry) {
    registry.add("llm.model.dir", () -> TestModels.stories260K().toString());
    registry.add("llm.inference.kv-binding", () -> "iobinding");
  }

  @LocalServerPort int port;

  @Test
  void generatesTheReferenceThroughIoBinding(CapturedOutput output) {
    ReferenceCase c = ReferenceCase.load(TestModels.stories260K()).getFirst();
    GenerateResponse r =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(Duration.ofSeconds(60))
            .build()
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                Map.of(
                    "input_ids",
                    GenerateApiIntegrationTest.ids(c.promptIds()),
                    "max_new_tokens",
                    c.greedyIds().length))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(GenerateResponse.class)
            .returnResult()
            .getResponseBody();
    assertThat(r.outputIds())
        .containsExactlyElementsOf(GenerateApiIntegrationTest.ids(c.greedyIds()));
    assertThat(output.getAll()).contains("KV cache bound through ONNX Runtime IoBinding");
  }
}
