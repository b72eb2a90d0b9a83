package org.llmplatform.gateway.generation;

import java.util.concurrent.atomic.AtomicBoolean;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.error.Errors;
import org.llmplatform.gateway.observability.GatewayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SSE framing shared by the chat and completions streams: each object as one {@code data:} JSON
 * event, then {@code data: [DONE]}. A failure before the first event propagates (the client gets a
 * plain HTTP error: nothing was committed yet); a failure after it ends the stream with an error
 * event, then {@code [DONE]}.
 */
public final class EventStream {

  private static final Logger log = LoggerFactory.getLogger(EventStream.class);
  private static final ServerSentEvent<String> DONE = ServerSentEvent.builder("[DONE]").build();

  private EventStream() {}

  public static Flux<ServerSentEvent<String>> of(
      Flux<?> objects, JsonMapper json, GatewayMetrics metrics) {
    return Flux.defer(
        () -> {
          var started = new AtomicBoolean();
          return objects
              .map(o -> ServerSentEvent.builder(json.writeValueAsString(o)).build())
              .doOnNext(e -> started.set(true))
              .concatWith(Flux.just(DONE))
              .onErrorResume(
                  error -> {
                    if (!started.get()) {
                      return Flux.error(error);
                    }
                    ApiException api = Errors.toApi(error);
                    log.warn(
                        "stream ended by an error after it started: {}", api.getMessage(), error);
                    metrics.error(api.code(), api.status().value());
                    return Flux.just(
                        ServerSentEvent.builder(json.writeValueAsString(api.body())).build(), DONE);
                  });
        });
  }
}
