package org.llmplatform.inference.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.inference.GenerateResponse;
import org.llmplatform.api.inference.KvEvent;
import org.llmplatform.api.inference.PrefixBlocks;
import org.llmplatform.http.auth.InternalAccessConfiguration;
import org.llmplatform.inference.engine.EngineMetrics;
import org.llmplatform.inference.engine.EngineSettings;
import org.llmplatform.inference.engine.InferenceEngine;
import org.llmplatform.inference.engine.OnnxModelExecutor;
import org.llmplatform.inference.kvevents.KvEventPublisher;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /v1/internal/kv-events} over the real engine (the checked-in tiny-llama-mha, prefix
 * cache on): behind the internal token like the other endpoints; a snapshot first, then the last
 * whole block of a finished generation's sequence in one {@code blocks} event, hashed as the
 * gateway hashes a prompt, and a {@code load} event about once a second.
 */
@WebFluxTest(
    controllers = {KvEventsController.class, GenerateController.class},
    properties = "llm.internal.token=" + KvEventsApiTest.TOKEN)
@ImportAutoConfiguration(InternalAccessConfiguration.class)
@Import(KvEventsApiTest.Engine.class)
class KvEventsApiTest {

  static final String TOKEN = "kv-events-test-token-0123";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENTS =
      new ParameterizedTypeReference<>() {};

  @TestConfiguration(proxyBeanMethods = false)
  static class Engine {
    @Bean
    KvEventPublisher kvEventPublisher() {
      return new KvEventPublisher(Duration.ofMillis(20));
    }

    @Bean(destroyMethod = "close")
    InferenceEngine inferenceEngine(KvEventPublisher kvEvents) throws Exception {
      Path model =
          Path.of(System.getProperty("llm.repo.dir", ".."), "test-models", "tiny-llama-mha");
      var engine =
          new InferenceEngine(
              new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults())),
              new EngineSettings(4, 8, 1L << 30, 64, 1L << 24),
              EngineMetrics.NONE,
              kvEvents);
      engine.start();
      assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
      return engine;
    }
  }

  @Autowired WebTestClient http;

  @Test
  void withoutTheInternalTokenItIs401() {
    ErrorBody body =
        http.get()
            .uri("/v1/internal/kv-events")
            .accept(MediaType.TEXT_EVENT_STREAM)
            .exchange()
            .expectStatus()
            .isEqualTo(HttpStatus.UNAUTHORIZED)
            .expectBody(ErrorBody.class)
            .returnResult()
            .getResponseBody();
    assertThat(body.error().param()).isEqualTo("X-Internal-Token");
    http.get()
        .uri("/v1/internal/kv-events")
        .header("X-Internal-Token", "wrong-token-wrong-token")
        .exchange()
        .expectStatus()
        .isEqualTo(HttpStatus.UNAUTHORIZED);
  }

  @Test
  void aSnapshotThenTheBlocksOfAFinishedSequenceThenTheLoad() {
    var events =
        http.get()
            .uri("/v1/internal/kv-events")
            .header("X-Internal-Token", TOKEN)
            .accept(MediaType.TEXT_EVENT_STREAM)
            .exchange()
            .expectStatus()
            .isOk()
            .returnResult(EVENTS)
            .getResponseBody()
            .timeout(Duration.ofSeconds(20));
    var iterator = events.toIterable().iterator();
    ServerSentEvent<String> first = iterator.next();
    assertThat(first.event()).isEqualTo(KvEvent.SNAPSHOT);
    assertThat(JSON.readTree(first.data()).get("block_tokens").asInt())
        .isEqualTo(PrefixBlocks.TOKENS);

    int[] prompt = new int[30];
    Arrays.setAll(prompt, i -> 3 + (i * 17) % 300);
    GenerateResponse answer =
        http.post()
            .uri("/v1/internal/generate")
            .header("X-Internal-Token", TOKEN)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                "{\"input_ids\":"
                    + Arrays.toString(prompt)
                    + ",\"max_new_tokens\":8,\"ignore_eos\":true}")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(GenerateResponse.class)
            .returnResult()
            .getResponseBody();
    // the cached sequence is the prompt and the answer (37 or 38 tokens): two whole blocks
    int[] sequence = new int[prompt.length + answer.outputIds().size()];
    System.arraycopy(prompt, 0, sequence, 0, prompt.length);
    for (int i = 0; i < answer.outputIds().size(); i++) {
      sequence[prompt.length + i] = answer.outputIds().get(i);
    }
    List<Integer> asTheGatewayHashesIt = Arrays.stream(sequence).boxed().toList().subList(0, 32);
    long[] expected = PrefixBlocks.hashes(asTheGatewayHashesIt, PrefixBlocks.TOKENS);

    boolean sawBlocks = false;
    boolean sawLoad = false;
    while (!(sawBlocks && sawLoad)) {
      ServerSentEvent<String> e = iterator.next();
      JsonNode data = JSON.readTree(e.data());
      switch (e.event()) {
        case KvEvent.BLOCKS -> {
          assertThat(sawBlocks).as("one blocks event for one finished sequence").isFalse();
          var stored = new java.util.ArrayList<Long>();
          data.get("stored").forEach(h -> stored.add(h.asLong()));
          assertThat(stored).containsExactly(expected[1]); // the sequence's last whole block
          assertThat(data.get("removed").isEmpty()).isTrue();
          sawBlocks = true;
        }
        case KvEvent.LOAD -> {
          assertThat(data.get("waiting").asInt()).isNotNegative();
          assertThat(data.get("kv_slots").asInt()).isEqualTo(4);
          sawLoad = true;
        }
        default -> throw new AssertionError("unexpected event " + e.event());
      }
    }
  }
}
