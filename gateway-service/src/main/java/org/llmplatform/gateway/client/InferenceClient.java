package org.llmplatform.gateway.client;

import java.util.List;
import org.llmplatform.api.inference.FinishEvent;
import org.llmplatform.api.inference.GenerateRequest;
import org.llmplatform.api.inference.KvBlocks;
import org.llmplatform.api.inference.KvEvent;
import org.llmplatform.api.inference.KvLoad;
import org.llmplatform.api.inference.KvSnapshot;
import org.llmplatform.api.inference.ModelInfo;
import org.llmplatform.api.inference.TokenEvent;
import org.llmplatform.api.inference.TopLogprob;
import org.llmplatform.api.inference.Usage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * inference-service's internal API for one model: streamed generation, the model's shape and the
 * KV-cache event stream.
 */
public final class InferenceClient {

  private static final Logger log = LoggerFactory.getLogger(InferenceClient.class);

  /** Largest KV event read (a full one, 8,192 block hashes, is ~170 KB of JSON). */
  private static final int MAX_KV_EVENT_BYTES = 1024 * 1024;

  /**
   * One event of the generation stream, of choice {@code choice} (0 unless the request asked for
   * several): a token ({@link TokenEvent}: {@code tokenId} set) or the end ({@link FinishEvent}:
   * {@code finishReason} set, with usage, and the error when it failed).
   */
  public record GenerateEvent(
      int choice,
      Integer tokenId,
      Double logprob,
      List<TopLogprob> topLogprobs,
      String finishReason,
      Usage usage,
      String error) {

    static GenerateEvent of(TokenEvent token) {
      return new GenerateEvent(
          token.choice(), token.tokenId(), token.logprob(), token.topLogprobs(), null, null, null);
    }

    static GenerateEvent of(FinishEvent finish) {
      return new GenerateEvent(
          finish.choice(), null, null, null, finish.finishReason(), finish.usage(), finish.error());
    }
  }

  // KV events: the data as text, parsed once into its record (not into a tree, then the record)
  private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENTS =
      new ParameterizedTypeReference<>() {};

  /** Largest generation event read (a token with 20 top logprobs is ~1 KB). */
  private static final int MAX_GENERATE_EVENT_BYTES = 256 * 1024;

  private final WebClient http;
  private final WebClient eventStream; // its own limit on an event's size
  private final Downstream downstream;
  private final JsonMapper json;

  InferenceClient(WebClient http, Downstream downstream, JsonMapper json) {
    this.http = http;
    this.eventStream =
        http.mutate().codecs(c -> c.defaultCodecs().maxInMemorySize(MAX_KV_EVENT_BYTES)).build();
    this.downstream = downstream;
    this.json = json;
  }

  /**
   * Streams a generation: its events in batches, each batch the events one network read completed
   * (never empty). Cancelling the returned flux closes the connection, which cancels the request in
   * inference-service.
   */
  public Flux<List<GenerateEvent>> generate(GenerateRequest request) {
    return downstream.stream(
        http.post()
            .uri("/v1/internal/generate")
            .accept(MediaType.TEXT_EVENT_STREAM)
            .bodyValue(request)
            .retrieve()
            .bodyToFlux(DataBuffer.class)
            .transform(
                buffers ->
                    Flux.defer(
                        () -> {
                          var reader = new GenerateEventReader(json, MAX_GENERATE_EVENT_BYTES);
                          // map and filter, not handle: Reactor restores the tracing ThreadLocals
                          // around every handle() call
                          return buffers.map(buffer -> read(reader, buffer));
                        }))
            .filter(events -> !events.isEmpty()));
  }

  private static List<GenerateEvent> read(GenerateEventReader reader, DataBuffer buffer) {
    try {
      return reader.read(buffer);
    } finally {
      DataBufferUtils.release(buffer);
    }
  }

  /**
   * The replica's KV-cache events ({@code GET /v1/internal/kv-events}), open until it ends the
   * stream or the caller cancels. Not through the circuit breaker: a stream that fails says nothing
   * of generations. An event that cannot be read (malformed JSON, a value out of range, a name this
   * gateway does not know) is skipped; a 404 (a replica from before the stream) is a {@link
   * org.springframework.web.reactive.function.client.WebClientResponseException.NotFound}.
   */
  public Flux<KvEvent> kvEvents() {
    return eventStream
        .get()
        .uri("/v1/internal/kv-events")
        .accept(MediaType.TEXT_EVENT_STREAM)
        .retrieve()
        .bodyToFlux(EVENTS)
        .handle(
            (event, sink) -> {
              KvEvent e = kvEvent(event.event(), event.data());
              if (e != null) {
                sink.next(e);
              }
            });
  }

  private KvEvent kvEvent(String name, String data) {
    if (name == null || data == null) {
      return null;
    }
    try {
      return switch (name) {
        case KvEvent.SNAPSHOT -> json.readValue(data, KvSnapshot.class);
        case KvEvent.BLOCKS -> json.readValue(data, KvBlocks.class);
        case KvEvent.LOAD -> json.readValue(data, KvLoad.class);
        default -> null; // a later version's event
      };
    } catch (RuntimeException e) {
      log.debug("KV event '{}' skipped: {}", name, e.getMessage());
      return null;
    }
  }

  public Mono<ModelInfo> model() {
    return downstream.call(
        http.get().uri("/v1/internal/model").retrieve().bodyToMono(ModelInfo.class), true);
  }

  /**
   * Whether it is ready for work: its readiness probe answers UP (a 404, a service without probes,
   * counts as ready); not when it answers otherwise or not at all within {@code limit}.
   */
  public Mono<Boolean> ready(java.time.Duration limit) {
    return http.get()
        .uri("/actuator/health/readiness")
        .exchangeToMono(
            response ->
                response
                    .releaseBody()
                    .thenReturn(
                        response.statusCode().is2xxSuccessful()
                            || response.statusCode().value() == 404))
        .timeout(limit)
        .onErrorReturn(false);
  }

  public Downstream downstream() {
    return downstream;
  }
}
