package org.llmplatform.gateway.generation;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.error.Errors;
import org.llmplatform.gateway.observability.GatewayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SSE framing shared by the chat and completions streams: each object as one {@code data:} JSON
 * event, then {@code data: [DONE]}. The objects come in batches (those that became ready together)
 * and each batch is written as one buffer, so the server writes and flushes once per batch, not
 * once per token. A failure before the first event propagates (the client gets a plain HTTP error:
 * nothing was committed yet); a failure after it ends the stream with an error event, then {@code
 * [DONE]}.
 */
public final class EventStream {

  private static final Logger log = LoggerFactory.getLogger(EventStream.class);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private EventStream() {}

  /** An object already written as JSON: sent as these bytes. */
  public record Encoded(byte[] json) {}

  public static Flux<DataBuffer> of(
      Flux<? extends List<?>> batches,
      JsonMapper json,
      GatewayMetrics metrics,
      DataBufferFactory buffers) {
    return Flux.defer(
        () -> {
          var started = new AtomicBoolean();
          return batches
              .map(
                  batch -> {
                    started.setPlain(true); // read only on this flux's own error signal
                    return events(batch, json, buffers);
                  })
              .concatWith(Mono.fromSupplier(() -> buffers.wrap(DONE)))
              .onErrorResume(
                  error -> {
                    if (!started.getPlain()) {
                      return Flux.error(error);
                    }
                    ApiException api = Errors.toApi(error);
                    log.warn(
                        "stream ended by an error after it started: {}", api.getMessage(), error);
                    metrics.error(api.code(), api.status().value());
                    return Flux.just(
                        events(List.of(api.body()), json, buffers), buffers.wrap(DONE));
                  });
        });
  }

  /** The objects as SSE events, in one buffer. */
  private static DataBuffer events(List<?> objects, JsonMapper json, DataBufferFactory buffers) {
    if (objects.size() == 1) {
      byte[] data = bytes(objects.getFirst(), json);
      return buffers
          .allocateBuffer(DATA.length + data.length + END.length)
          .write(DATA)
          .write(data)
          .write(END);
    }
    var data = new byte[objects.size()][];
    int size = 0;
    for (int i = 0; i < data.length; i++) {
      data[i] = bytes(objects.get(i), json);
      size += DATA.length + data[i].length + END.length;
    }
    DataBuffer buffer = buffers.allocateBuffer(size);
    for (byte[] event : data) {
      buffer.write(DATA).write(event).write(END);
    }
    return buffer;
  }

  private static byte[] bytes(Object object, JsonMapper json) {
    return object instanceof Encoded encoded ? encoded.json() : json.writeValueAsBytes(object);
  }
}
