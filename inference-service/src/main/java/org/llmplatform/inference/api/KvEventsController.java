package org.llmplatform.inference.api;

import java.time.Duration;
import org.llmplatform.api.inference.KvEvent;
import org.llmplatform.api.inference.KvLoad;
import org.llmplatform.inference.engine.InferenceEngine;
import org.llmplatform.inference.kvevents.KvEventPublisher;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The KV-cache event stream the gateway routes on (SSE): the prefix blocks this replica's cache
 * holds, a snapshot then deltas ({@link KvEventPublisher}), and its load about once a second. Each
 * event is named ({@code snapshot}, {@code blocks}, {@code load}). The stream ends when the service
 * stops; the reader then reconnects elsewhere or later.
 */
@RestController
class KvEventsController {

  static final Duration LOAD_EVERY = Duration.ofSeconds(1);

  private final KvEventPublisher publisher;
  private final InferenceEngine engine;

  KvEventsController(KvEventPublisher publisher, InferenceEngine engine) {
    this.publisher = publisher;
    this.engine = engine;
  }

  @GetMapping(path = "/v1/internal/kv-events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  Flux<ServerSentEvent<KvEvent>> events() {
    return Flux.defer(
        () -> {
          Sinks.One<Boolean> ended = Sinks.one();
          Flux<KvEvent> blocks = publisher.events().doFinally(signal -> ended.tryEmitValue(true));
          Flux<KvEvent> load =
              Flux.interval(LOAD_EVERY, LOAD_EVERY)
                  .map(tick -> load())
                  .takeUntilOther(ended.asMono());
          return Flux.merge(blocks, load)
              .map(e -> ServerSentEvent.<KvEvent>builder(e).event(e.sseName()).build());
        });
  }

  private KvEvent load() {
    return new KvLoad(
        engine.waitingRequests(),
        engine.runningRequests(),
        engine.kvSlotsInUse(),
        engine.kvSlots());
  }
}
