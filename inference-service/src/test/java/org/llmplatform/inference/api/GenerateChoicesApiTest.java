package org.llmplatform.inference.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.inference.GenerateResponse;
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

/**
 * {@code n} choices over HTTP against the real stories260K model, with {@code
 * llm.inference.max-choices=4}: each choice's events carry its index, choice i is the one-choice
 * request with seed + i, and n beyond the maximum is a 400 naming n.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GenerateChoicesApiTest {

  static final List<Integer> PROMPT = List.of(1, 403, 407, 261, 1, 300);
  static final JsonMapper JSON = JsonMapper.builder().build();

  @BeforeAll
  static void requireModel() {
    TestModels.stories260K();
  }

  @DynamicPropertySource
  static void model(DynamicPropertyRegistry registry) {
    registry.add("llm.model.dir", () -> TestModels.stories260K().toString());
    registry.add("llm.inference.max-batch-size", () -> "8");
    registry.add("llm.inference.max-choices", () -> "4");
  }

  @LocalServerPort int port;
  @Autowired InferenceEngine engine;

  WebTestClient http() {
    return WebTestClient.bindToServer()
        .baseUrl("http://localhost:" + port)
        .responseTimeout(Duration.ofSeconds(60))
        .build();
  }

  GenerateResponse generate(Map<String, Object> body) {
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

  /** The stream's events as "name json". */
  List<String> stream(Map<String, Object> body) {
    Map<String, Object> streaming = new HashMap<>(body);
    streaming.put("stream", true);
    return WebClient.create("http://localhost:" + port)
        .post()
        .uri("/v1/internal/generate")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(streaming)
        .retrieve()
        .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {})
        .map(event -> event.event() + " " + event.data())
        .collectList()
        .block(Duration.ofSeconds(60));
  }

  static Map<String, Object> sampled(long seed, int n) {
    return Map.of(
        "input_ids",
        PROMPT,
        "max_new_tokens",
        12,
        "temperature",
        1.0,
        "top_p",
        0.9,
        "seed",
        seed,
        "n",
        n);
  }

  @Test
  void streamedChoicesCarryTheirIndexOnEveryEventAndEachEndsWithItsOwnFinish() {
    List<String> events = stream(sampled(7, 3));

    List<List<Integer>> ids = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    int[] finishes = new int[3];
    int firstOfChoice1 = -1;
    int finishOfChoice0 = -1;
    for (String event : events) {
      String name = event.substring(0, event.indexOf(' '));
      JsonNode e = JSON.readTree(event.substring(event.indexOf(' ') + 1));
      assertThat(e.has("index")).as(event).isTrue();
      int index = e.get("index").asInt();
      assertThat(finishes[index]).as("no event of choice %d after its finish", index).isZero();
      if (index == 1 && firstOfChoice1 < 0) {
        firstOfChoice1 = events.indexOf(event);
      }
      if (name.equals("finish")) {
        finishOfChoice0 = index == 0 ? events.indexOf(event) : finishOfChoice0;
        finishes[index]++;
        assertThat(e.get("usage").get("prompt_tokens").asInt()).isEqualTo(PROMPT.size());
        assertThat(e.get("usage").get("completion_tokens").asInt())
            .isEqualTo(ids.get(index).size());
      } else {
        assertThat(name).isEqualTo("token");
        ids.get(index).add(e.get("token_id").asInt());
      }
    }
    assertThat(finishes).containsExactly(1, 1, 1);
    // the choices' events interleave: choice 1's first token comes before choice 0 ends
    assertThat(firstOfChoice1).isLessThan(finishOfChoice0);
    for (int i = 0; i < 3; i++) {
      assertThat(ids.get(i))
          .as("choice %d = the one-choice request with seed 7 + %d", i, i)
          .isEqualTo(generate(sampled(7 + i, 1)).outputIds());
    }
    assertThat(ids).doesNotHaveDuplicates();
  }

  @Test
  void aOneChoiceStreamStaysWithoutIndex() {
    List<String> events = stream(sampled(7, 1));
    assertThat(events).hasSize(13).noneMatch(e -> e.contains("\"index\""));
  }

  @Test
  void nonStreamedChoicesAreListedByIndexWithTheUsageOfAll() {
    var greedy = Map.<String, Object>of("input_ids", PROMPT, "max_new_tokens", 10);
    GenerateResponse one = generate(greedy);
    Map<String, Object> three = new HashMap<>(greedy);
    three.put("n", 3);
    GenerateResponse r = generate(three);

    assertThat(one.choices()).isNull();
    assertThat(r.choices()).hasSize(3);
    for (int i = 0; i < 3; i++) {
      GenerateResponse.Choice c = r.choices().get(i);
      assertThat(c.index()).isEqualTo(i);
      assertThat(c.outputIds()).isEqualTo(one.outputIds());
      assertThat(c.finishReason()).isEqualTo("length");
      assertThat(c.usage()).isEqualTo(one.usage());
    }
    // the top-level fields are choice 0's; the usage counts the prompt once and every choice
    assertThat(r.outputIds()).isEqualTo(one.outputIds());
    assertThat(r.usage().promptTokens()).isEqualTo(PROMPT.size());
    assertThat(r.usage().completionTokens()).isEqualTo(30);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{\"input_ids\":[1],\"n\":5}",
        "{\"input_ids\":[1],\"n\":0}",
        "{\"input_ids\":[1],\"n\":-1}",
        "{\"input_ids\":[1],\"n\":2,\"num_beams\":2}",
        "{\"input_ids\":[1],\"n\":\"2\"}"
      })
  void nOutOfRangeOrWithBeamSearchIsA400NamingN(String body) {
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
    assertThat(error.error().param()).isEqualTo("n");
  }

  @Test
  void aClientThatDisconnectsCancelsEveryChoice() throws Exception {
    double before = generatedTokens();
    Map<String, Object> body = new HashMap<>(sampled(3, 3));
    body.put("max_new_tokens", 480);
    body.put("stream", true);
    List<String> first =
        WebClient.create("http://localhost:" + port)
            .post()
            .uri("/v1/internal/generate")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .retrieve()
            .bodyToFlux(String.class)
            .take(6)
            .collectList()
            .block(Duration.ofSeconds(60));
    assertThat(first).hasSize(6);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while ((engine.runningRequests() > 0 || engine.kvSlotsInUse() > 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(engine.kvSlotsInUse()).isZero();
    assertThat(engine.runningRequests()).isZero();
    assertThat(generatedTokens() - before)
        .as("tokens of the three choices before the cancel took effect")
        .isLessThan(3 * 480);
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
}
