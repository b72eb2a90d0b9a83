package org.llmplatform.inference.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.inference.GenerateResponse;
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
 * A hostile client's bodies against {@code POST /v1/internal/generate}: each is a 4xx whose error
 * names the field by its path and tells no Java class, method or stack; each happy twin is a 200.
 * Strict JSON comes from llm-http's auto-configuration, as in the running service. The engine runs
 * the checked-in tiny-llama-mha (vocabulary 384, context 512).
 */
@WebFluxTest(GenerateController.class)
@Import(GenerateRequestErrorsTest.Engine.class)
class GenerateRequestErrorsTest {

  @TestConfiguration(proxyBeanMethods = false)
  static class Engine {
    @Bean(destroyMethod = "close")
    InferenceEngine inferenceEngine() throws Exception {
      Path model =
          Path.of(System.getProperty("llm.repo.dir", ".."), "test-models", "tiny-llama-mha");
      var engine =
          new InferenceEngine(
              new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults())),
              new EngineSettings(4, 8, 1L << 30, 64, 0),
              EngineMetrics.NONE);
      engine.start();
      assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
      return engine;
    }
  }

  @Autowired WebTestClient http;

  static List<Object[]> hostileBodies() {
    return List.of(
        // wrong JSON types: refused, not coerced
        new Object[] {"{\"input_ids\":[1],\"max_new_tokens\":\"8\"}", "max_new_tokens"},
        new Object[] {"{\"input_ids\":[1],\"max_new_tokens\":8.5}", "max_new_tokens"},
        new Object[] {"{\"input_ids\":[1],\"max_new_tokens\":\"\"}", "max_new_tokens"},
        new Object[] {"{\"input_ids\":[1],\"max_new_tokens\":99999999999}", "max_new_tokens"},
        new Object[] {"{\"input_ids\":[1],\"stop_token_ids\":5}", "stop_token_ids"},
        new Object[] {"{\"input_ids\":[1],\"stop_token_ids\":[\"5\"]}", "stop_token_ids[0]"},
        new Object[] {"{\"input_ids\":[1],\"temperature\":\"0.5\"}", "temperature"},
        new Object[] {"{\"input_ids\":[1],\"top_k\":true}", "top_k"},
        new Object[] {"{\"input_ids\":[1],\"stream\":\"true\"}", "stream"},
        new Object[] {"{\"input_ids\":[1],\"stream\":1}", "stream"},
        new Object[] {"{\"input_ids\":[1],\"seed\":1.5}", "seed"},
        new Object[] {"{\"input_ids\":[1],\"seed\":\"12\"}", "seed"},
        new Object[] {"{\"input_ids\":[1],\"seed\":1e40}", "seed"},
        new Object[] {"{\"input_ids\":[1.5]}", "input_ids[0]"},
        new Object[] {"{\"input_ids\":[\"1\"]}", "input_ids[0]"},
        new Object[] {"{\"input_ids\":[1,null]}", "input_ids[1]"},
        new Object[] {"{\"input_ids\":{\"a\":1}}", "input_ids"},
        new Object[] {"{\"input_ids\":[1],\"logit_bias\":[1]}", "logit_bias"},
        new Object[] {"{\"input_ids\":[1],\"logit_bias\":{\"abc\":1}}", "logit_bias"},
        new Object[] {"{\"input_ids\":[1],\"logit_bias\":{\"5\":\"1\"}}", "logit_bias.5"},
        new Object[] {"{\"input_ids\":[1],\"logit_bias\":{\"5\":null}}", "logit_bias.5"},
        // out-of-vocabulary and out-of-range values
        new Object[] {"{\"input_ids\":[1],\"logit_bias\":{\"384\":1}}", "logit_bias"},
        new Object[] {"{\"input_ids\":[1],\"logit_bias\":{\"-1\":1}}", "logit_bias"},
        new Object[] {"{\"input_ids\":[1],\"logit_bias\":{\"99999999999\":1}}", "logit_bias"},
        new Object[] {"{\"input_ids\":[1],\"stop_token_ids\":[384]}", "stop_token_ids"},
        new Object[] {"{\"input_ids\":[1],\"logprobs\":21}", "logprobs"},
        new Object[] {"{\"input_ids\":[1],\"logprobs\":-1}", "logprobs"},
        new Object[] {"{\"input_ids\":[1],\"num_beams\":65}", "num_beams"},
        new Object[] {"{\"input_ids\":[1],\"num_beams\":5}", "num_beams"},
        new Object[] {"{\"input_ids\":[1],\"max_new_tokens\":512}", "max_new_tokens"},
        // values that overflow the sampler's or the beam score's arithmetic
        new Object[] {"{\"input_ids\":[1],\"repetition_penalty\":1e-300}", "repetition_penalty"},
        new Object[] {"{\"input_ids\":[1],\"repetition_penalty\":1e300}", "repetition_penalty"},
        new Object[] {"{\"input_ids\":[1],\"length_penalty\":1e300}", "length_penalty"},
        new Object[] {"{\"input_ids\":[1],\"length_penalty\":-11}", "length_penalty"},
        // malformed JSON: no field is at fault, the message says where
        new Object[] {"{\"input_ids\":[1,", null},
        new Object[] {"{\"input_ids\":[1]}}", null},
        new Object[] {"[1]", null},
        new Object[] {"\"x\"", null});
  }

  @ParameterizedTest(name = "{0} -> 400 {1}")
  @MethodSource("hostileBodies")
  void aHostileBodyIsA400NamingTheFieldInPlainWords(String body, String param) {
    ErrorBody.Detail error = post(body, HttpStatus.BAD_REQUEST);
    assertThat(error.code()).isEqualTo("invalid_request");
    assertThat(error.param()).isEqualTo(param);
    assertClean(error);
  }

  @Test
  void anOutOfVocabularyLogitBiasNamesTheIdAndTheVocabularySize() {
    ErrorBody.Detail error =
        post("{\"input_ids\":[1],\"logit_bias\":{\"5\":1,\"4000\":-100}}", HttpStatus.BAD_REQUEST);
    assertThat(error.param()).isEqualTo("logit_bias");
    assertThat(error.message()).contains("4000").contains("384");
  }

  /** The gateway accepts only text/event-stream; an error written as an event it could not read. */
  @Test
  void anErrorIsJsonAlsoForAClientThatAcceptsOnlyEvents() {
    ErrorBody.Detail error =
        http.post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .accept(MediaType.TEXT_EVENT_STREAM)
            .bodyValue("{\"input_ids\":[1],\"stream\":true,\"logit_bias\":{\"4000\":1}}")
            .exchange()
            .expectStatus()
            .isBadRequest()
            .expectHeader()
            .contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody()
            .error();
    assertThat(error.param()).isEqualTo("logit_bias");
    assertThat(error.message()).contains("4000").contains("384");
  }

  @Test
  void aBodyBeyondTheReadLimitIsRefusedInPlainWords() {
    String ids = "1,".repeat(200_000);
    var result =
        http.post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue("{\"input_ids\":[" + ids + "1]}")
            .exchange()
            .expectBody(ErrorBody.class)
            .returnResult();
    assertThat(result.getStatus()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
    assertThat(result.getResponseBody().error().code()).isEqualTo("request_too_large");
    assertClean(result.getResponseBody().error());
  }

  @Test
  void theHappyTwinsOfTheHostileBodiesAreServed() {
    for (String body :
        List.of(
            "{\"input_ids\":[1],\"max_new_tokens\":8}",
            "{\"input_ids\":[1],\"max_new_tokens\":8,\"temperature\":1,\"seed\":12}",
            "{\"input_ids\":[1],\"max_new_tokens\":2,\"stop_token_ids\":[5],\"stream\":false}",
            "{\"input_ids\":[1],\"max_new_tokens\":2,\"logit_bias\":{\"383\":1.5,\"0\":-100}}",
            "{\"input_ids\":[1],\"max_new_tokens\":2,\"logprobs\":20}",
            "{\"input_ids\":[1],\"max_new_tokens\":2,\"num_beams\":4,\"length_penalty\":-10}",
            "{\"input_ids\":[1],\"max_new_tokens\":2,\"temperature\":1,\"repetition_penalty\":100}",
            "{\"input_ids\":[1],\"max_new_tokens\":2,\"repetition_penalty\":0.01}",
            "{\"input_ids\":[1],\"max_new_tokens\":null,\"seed\":null}")) {
      GenerateResponse r =
          http.post()
              .uri("/v1/internal/generate")
              .contentType(MediaType.APPLICATION_JSON)
              .bodyValue(body)
              .exchange()
              .expectStatus()
              .isOk()
              .expectBody(GenerateResponse.class)
              .returnResult()
              .getResponseBody();
      assertThat(r.outputIds()).as(body).isNotEmpty();
    }
  }

  /**
   * 1 / temperature overflows a double below about 1e-308, and every weight became NaN: the draw
   * fell to whichever token came last. Below 1e-5 the request is greedy, as vLLM makes it.
   */
  @Test
  void aVanishingTemperatureIsGreedy() {
    List<Integer> greedy = outputIds("{\"input_ids\":[1,7],\"max_new_tokens\":12}");
    for (String t : List.of("1e-320", "4.9e-324", "1e-6")) {
      assertThat(
              outputIds(
                  "{\"input_ids\":[1,7],\"max_new_tokens\":12,\"seed\":3,\"temperature\":"
                      + t
                      + "}"))
          .as("temperature " + t)
          .isEqualTo(greedy);
    }
  }

  private List<Integer> outputIds(String body) {
    return http.post()
        .uri("/v1/internal/generate")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(GenerateResponse.class)
        .returnResult()
        .getResponseBody()
        .outputIds();
  }

  @Test
  void anEmptyBodyIsA400() {
    ErrorBody.Detail error =
        http.post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .exchange()
            .expectStatus()
            .isBadRequest()
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody()
            .error();
    assertClean(error);
  }

  @Test
  void aBodyOfAnotherMediaTypeIsA415InPlainWords() {
    ErrorBody.Detail error =
        http.post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.TEXT_PLAIN)
            .bodyValue("{\"input_ids\":[1]}")
            .exchange()
            .expectStatus()
            .isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE)
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody()
            .error();
    assertClean(error);
  }

  @Test
  void anUnknownPathAndAWrongMethodAreCleanErrors() {
    ErrorBody.Detail wrongMethod =
        http.get()
            .uri("/v1/internal/generate")
            .exchange()
            .expectStatus()
            .isEqualTo(HttpStatus.METHOD_NOT_ALLOWED)
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody()
            .error();
    assertThat(wrongMethod.code()).isEqualTo("invalid_request");
    assertClean(wrongMethod);
    ErrorBody.Detail noSuchPath =
        http.get()
            .uri("/v1/internal/nothing")
            .exchange()
            .expectStatus()
            .isNotFound()
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody()
            .error();
    assertThat(noSuchPath.code()).isEqualTo("not_found");
    assertClean(noSuchPath);
  }

  private ErrorBody.Detail post(String body, HttpStatus status) {
    return http.post()
        .uri("/v1/internal/generate")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isEqualTo(status)
        .expectBody(ErrorBody.class)
        .returnResult()
        .getResponseBody()
        .error();
  }

  private static void assertClean(ErrorBody.Detail error) {
    assertThat(error.message())
        .isNotBlank()
        .doesNotContain("org.")
        .doesNotContain("java.")
        .doesNotContain("Exception")
        .doesNotContain("tools.jackson")
        .doesNotContain("GenerateRequest")
        .doesNotContain("generate(");
  }
}
