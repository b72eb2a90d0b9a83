package org.llmplatform.gateway.generation;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * A response object as its JSON bytes, for the handlers that answer either JSON or an {@link
 * EventStream} from one method: both bodies are then buffers, which Spring writes as they are (a
 * body declared as {@code ResponseEntity<?>} would reach Spring's SSE writer, which JSON-encodes
 * whatever it gets, buffers included).
 */
public final class JsonBody {

  private JsonBody() {}

  public static Flux<DataBuffer> of(Mono<?> value, JsonMapper json, DataBufferFactory buffers) {
    return value.map(v -> buffers.wrap(json.writeValueAsBytes(v))).flux();
  }
}
