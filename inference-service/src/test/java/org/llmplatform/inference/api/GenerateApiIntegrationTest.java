package org.llmplatform.inference.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.inference.GenerateResponse;
import org.llmplatform.api.inference.ModelInfo;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.TestModels;
import org.llmplatform.inference.engine.InferenceEngine;
import org.springframework.beans.factory.annotation.Autowired;
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

/** The whole service over HTTP against the real stories260K model. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GenerateApiIntegrationTest {

  @BeforeAll
  static void requireModel() {
    TestModels.stories260K();
  }

  @DynamicPropertySource
  static void model(DynamicPropertyRegistry registry) {
    registry.add("llm.model.dir", () -> TestModels.stories260K().toString());
    registry.add("llm.inference.max-batch-size", () -> "8");
  }

  @LocalServerPort int port;
  @Autowired InferenceEngine engine;

  WebTestClient http() {
    return WebTestClient.bindToServer()
        .baseUrl("http://localhost:" + port)
        .responseTimeout(Duration.ofSeconds(60))
        .build();
  }

  static final JsonMapper JSON = JsonMapper.builder().build();

  static ReferenceCase reference() {
    return ReferenceCase.load(TestModels.stories260K()).getFirst();
  }

  static List<Integer> ids(int[] a) {
    return java.util.Arrays.stream(a).boxed().toList();
  }

  @Test
  void nonStreamedGreedyGenerationReproducesTheReference() {
    ReferenceCase c = reference();
    GenerateResponse r =
        generate(Map.of("input_ids", ids(c.promptIds()), "max_new_tokens", c.greedyIds().length));
    assertThat(r.outputIds()).containsExactlyElementsOf(ids(c.greedyIds()));
    assertThat(r.finishReason()).isEqualTo("length");
    assertThat(r.usage().promptTokens()).isEqualTo(c.promptIds().length);
    assertThat(r.usage().completionTokens()).isEqualTo(c.greedyIds().length);
    assertThat(r.logprobs()).isNull();
  }

  @Test
  void streamedGenerationSendsOneEventPerTokenThenTheFinish() {
    ReferenceCase c = reference();
    List<String> events =
        WebClient.create("http://localhost:" + port)
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                Map.of(
                    "input_ids",
                    ids(c.promptIds()),
                    "max_new_tokens",
                    10,
                    "stream",
                    true,
                    "logprobs",
                    3))
            .retrieve()
            .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {})
            .map(event -> event.event() + " " + event.data())
            .collectList()
            .block(Duration.ofSeconds(60));
    assertThat(events).hasSize(11);
    // named events: a reader picks the record by the name, never by searching the JSON
    assertThat(events.subList(0, 10)).allMatch(e -> e.startsWith("token {"));
    assertThat(events.get(10)).startsWith("finish {");
    events = events.stream().map(e -> e.substring(e.indexOf(' ') + 1)).toList();
    for (int i = 0; i < 10; i++) {
      JsonNode e = JSON.readTree(events.get(i));
      assertThat(e.get("token_id").asInt()).isEqualTo(c.greedyIds()[i]);
      assertThat(e.get("logprob").asDouble()).isLessThanOrEqualTo(0.0);
      assertThat(e.get("top_logprobs")).hasSize(3);
      assertThat(e.get("top_logprobs").get(0).get("token_id").asInt()).isEqualTo(c.greedyIds()[i]);
    }
    JsonNode finish = JSON.readTree(events.get(10));
    assertThat(finish.get("finish_reason").asString()).isEqualTo("length");
    assertThat(finish.get("usage").get("completion_tokens").asInt()).isEqualTo(10);
    assertThat(finish.get("usage").get("prompt_tokens").asInt()).isEqualTo(c.promptIds().length);
  }

  @Test
  void seededSamplingIsReproducibleOverHttp() {
    var body =
        Map.of(
            "input_ids",
            List.of(1, 403, 407),
            "max_new_tokens",
            20,
            "temperature",
            1.0,
            "top_p",
            0.9,
            "seed",
            7);
    var a = generate(body);
    var b = generate(body);
    assertThat(a.outputIds()).isEqualTo(b.outputIds()).hasSize(20);
  }

  @Test
  void modelEndpointDescribesTheModel() {
    ModelInfo info =
        http()
            .get()
            .uri("/v1/internal/model")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(ModelInfo.class)
            .returnResult()
            .getResponseBody();
    assertThat(info)
        .isEqualTo(new ModelInfo("stories260K", 512, 512, 5, 4, 8, "float32", List.of(2), "cpu"));
  }

  static List<Object[]> badInputs() {
    return List.of(
        new Object[] {"{\"input_ids\":[]}", "input_ids"},
        new Object[] {"{\"max_new_tokens\":5}", "input_ids"},
        new Object[] {"{\"input_ids\":[1,512]}", "input_ids"},
        new Object[] {"{\"input_ids\":[1,-1]}", "input_ids"},
        new Object[] {"{\"input_ids\":[1,2],\"max_new_tokens\":511}", "max_new_tokens"},
        new Object[] {"{\"input_ids\":[1],\"max_new_tokens\":0}", "max_new_tokens"},
        new Object[] {"{\"input_ids\":[1],\"temperature\":-0.5}", "temperature"},
        new Object[] {"{\"input_ids\":[1],\"top_k\":-1}", "top_k"},
        new Object[] {"{\"input_ids\":[1],\"top_p\":1.5}", "top_p"},
        new Object[] {"{\"input_ids\":[1],\"min_p\":2}", "min_p"},
        new Object[] {"{\"input_ids\":[1],\"repetition_penalty\":0}", "repetition_penalty"},
        new Object[] {"{\"input_ids\":[1],\"presence_penalty\":3}", "presence_penalty"},
        new Object[] {"{\"input_ids\":[1],\"frequency_penalty\":-3}", "frequency_penalty"},
        new Object[] {"{\"input_ids\":[1],\"logit_bias\":{\"600\":1}}", "logit_bias"},
        new Object[] {"{\"input_ids\":[1],\"logit_bias\":{\"5\":101}}", "logit_bias"},
        new Object[] {"{\"input_ids\":[1],\"stop_token_ids\":[9999]}", "stop_token_ids"},
        new Object[] {"{\"input_ids\":[1],\"logprobs\":21}", "logprobs"},
        new Object[] {"{\"input_ids\":[1],\"num_beams\":0}", "num_beams"},
        new Object[] {"{\"input_ids\":\"abc\"}", "input_ids"},
        new Object[] {"{\"input_ids\":[1],\"top_k\":\"many\"}", "top_k"},
        new Object[] {"{\"input_ids\":[1],\"max_new_tokens\":\"8\"}", "max_new_tokens"},
        new Object[] {"{\"input_ids\":[1],\"max_new_tokens\":8.5}", "max_new_tokens"},
        new Object[] {"{\"input_ids\":[1,", null});
  }

  @ParameterizedTest(name = "{0} -> 400 {1}")
  @MethodSource("badInputs")
  void badInputIsA400NamingTheField(String body, String param) {
    ErrorBody error =
        http()
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .expectStatus()
            .isBadRequest()
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody();
    assertThat(error.error().code()).isEqualTo("invalid_request");
    assertThat(error.error().param()).isEqualTo(param);
    assertThat(error.error().message()).isNotBlank();
  }

  @Test
  void aClientThatDisconnectsCancelsItsRequest() throws Exception {
    int maxNew = 500;
    double before = generatedTokens();
    List<String> firstEvents =
        WebClient.create("http://localhost:" + port)
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                Map.of("input_ids", List.of(1, 270), "max_new_tokens", maxNew, "stream", true))
            .retrieve()
            .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {})
            .map(ServerSentEvent::data)
            .take(3)
            .collectList()
            .block(Duration.ofSeconds(60));
    assertThat(firstEvents).hasSize(3);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while ((engine.runningRequests() > 0 || engine.kvSlotsInUse() > 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(engine.kvSlotsInUse()).isZero();
    assertThat(generatedTokens() - before)
        .as("tokens generated before the cancel took effect")
        .isLessThan(maxNew);
  }

  @Test
  void readinessIsUpAfterWarmUpAndMetricsAreExported() {
    http()
        .get()
        .uri("/actuator/health/readiness")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.status")
        .isEqualTo("UP")
        .jsonPath("$.components.model.status")
        .isEqualTo("UP");
    http()
        .post()
        .uri("/v1/internal/generate")
        .bodyValue(Map.of("input_ids", List.of(1, 300), "max_new_tokens", 3))
        .exchange()
        .expectStatus()
        .isOk();
    String metrics =
        http()
            .get()
            .uri("/actuator/prometheus")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    assertThat(metrics)
        .contains("llm_time_to_first_token_seconds_bucket")
        .contains("llm_inter_token_latency_seconds_bucket")
        .contains("llm_e2e_request_latency_seconds_bucket")
        .contains("llm_request_queue_time_seconds_bucket")
        .contains("llm_num_requests_running")
        .contains("llm_num_requests_waiting")
        .contains("llm_batch_size")
        .contains("llm_kv_slots_in_use")
        .contains("llm_prompt_tokens_total")
        .contains("llm_generation_tokens_total");
  }

  private double generatedTokens() {
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
        .filter(l -> l.startsWith("llm_generation_tokens_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElse(0);
  }

  @Test
  void ignoreEosGeneratesPastTheEosUntilMaxNewTokensAndStopTokenIdsStillEnd() {
    int eos = engine.spec().eosIds().getFirst();
    // the bias makes eos the greedy choice at every step
    Map<String, Object> eosFirst =
        Map.of(
            "input_ids",
            ids(reference().promptIds()),
            "max_new_tokens",
            6,
            "logit_bias",
            Map.of(Integer.toString(eos), 100.0));

    GenerateResponse stopped = generate(eosFirst);
    GenerateResponse ignored = generate(with(eosFirst, "ignore_eos", true));
    GenerateResponse byStopIds =
        generate(with(with(eosFirst, "ignore_eos", true), "stop_token_ids", List.of(eos)));

    assertThat(stopped.outputIds()).containsExactly(eos);
    assertThat(stopped.finishReason()).isEqualTo("stop");
    assertThat(ignored.outputIds()).hasSize(6).containsOnly(eos);
    assertThat(ignored.finishReason()).isEqualTo("length");
    assertThat(byStopIds.outputIds()).containsExactly(eos);
    assertThat(byStopIds.finishReason()).isEqualTo("stop");
  }

  @Test
  void ignoreEosWithAConstraintIsA400NamingIgnoreEos() {
    ErrorBody error =
        http()
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                Map.of(
                    "input_ids",
                    ids(reference().promptIds()),
                    "ignore_eos",
                    true,
                    "constraint",
                    Map.of("type", "json_object")))
            .exchange()
            .expectStatus()
            .isBadRequest()
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody();
    assertThat(error.error().param()).isEqualTo("ignore_eos");
  }

  private GenerateResponse generate(Map<String, Object> body) {
    return http()
        .post()
        .uri("/v1/internal/generate")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(GenerateResponse.class)
        .returnResult()
        .getResponseBody();
  }

  private static Map<String, Object> with(Map<String, Object> body, String key, Object value) {
    var copy = new java.util.LinkedHashMap<String, Object>(body);
    copy.put(key, value);
    return copy;
  }
}
