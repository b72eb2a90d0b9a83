package org.llmplatform.inference.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.inference.engine.EngineMetrics;
import org.llmplatform.inference.engine.EngineSettings;
import org.llmplatform.inference.engine.InferenceEngine;
import org.llmplatform.inference.engine.OnnxModelExecutor;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A request to an engine that has stopped (its warm-up failed, or it was closed) fails inside the
 * service: the answer is 500 {@code internal_error} with the request id, and neither the engine's
 * message nor an exception type reaches the client. The engine is the real one over the checked-in
 * tiny-llama-mha, closed before the request.
 */
@WebFluxTest(GenerateController.class)
@Import(StoppedEngineTest.Engine.class)
class StoppedEngineTest {

  @TestConfiguration(proxyBeanMethods = false)
  static class Engine {
    @Bean
    InferenceEngine inferenceEngine() {
      Path model =
          Path.of(System.getProperty("llm.repo.dir", ".."), "test-models", "tiny-llama-mha");
      var engine =
          new InferenceEngine(
              new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults())),
              new EngineSettings(4, 8, 1L << 30, 64, 0),
              EngineMetrics.NONE);
      engine.close();
      return engine;
    }
  }

  @Autowired WebTestClient http;

  @Test
  void aFailureInsideTheServiceIs500InternalErrorWithoutItsText() {
    for (boolean stream : new boolean[] {false, true}) {
      ErrorBody.Detail error =
          http.post()
              .uri("/v1/internal/generate")
              .contentType(MediaType.APPLICATION_JSON)
              .accept(stream ? MediaType.TEXT_EVENT_STREAM : MediaType.APPLICATION_JSON)
              .header("x-request-id", "req-7")
              .bodyValue("{\"input_ids\":[1,2],\"max_new_tokens\":4,\"stream\":" + stream + "}")
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
          .contains("req-7")
          .doesNotContainIgnoringCase("engine")
          .doesNotContain("stopped")
          .doesNotContain("Exception")
          .doesNotContain("java.");
    }
  }
}
