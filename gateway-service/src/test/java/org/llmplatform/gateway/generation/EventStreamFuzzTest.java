package org.llmplatform.gateway.generation;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.HostileText;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.observability.GatewayMetricsFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fuzzes the SSE framing: chunks whose text holds anything a model or a client can put there (line
 * breaks of every kind, {@code data:} and {@code [DONE]} in the text, U+2028, NUL, lone surrogates,
 * emoji), in batches of random sizes, sometimes cut by a failure after the first event, go through
 * {@link EventStream} as the gateway sends them; a strict parser (the WHATWG event-stream rules:
 * CR, LF and CRLF end lines, a blank line dispatches) reads back exactly one event per chunk, each
 * the chunk's JSON, then the error event when there was a failure, then {@code [DONE]}, and nothing
 * else.
 *
 * <p>Budget: {@code -Dfuzz.runs=N} streams (default 300), from {@code -Dfuzz.seed} (default 0).
 */
class EventStreamFuzzTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final DefaultDataBufferFactory BUFFERS = DefaultDataBufferFactory.sharedInstance;
  private static final String[] PARTS = {
    "a",
    " ",
    "\n",
    "\r",
    "\r\n",
    "\n\n",
    "data: x",
    "[DONE]",
    ":",
    "\u2028",
    "\u0085",
    "\u0000",
    "\uD83D",
    "😀",
    "\"",
    "\\",
    "event: error",
    "id: 1",
    "é",
    "\t"
  };
  private static final HostileText TEXT = new HostileText(List.of(PARTS), 8, 5);

  @Test
  void everyChunkIsOneEventReadBackExactly() {
    int runs = Integer.getInteger("fuzz.runs", 300);
    long base = Long.getLong("fuzz.seed", 0);
    for (long seed = base; seed < base + runs; seed++) {
      Random r = new Random(seed);
      List<Map<String, Object>> chunks = new ArrayList<>();
      int n = 1 + r.nextInt(6);
      for (int i = 0; i < n; i++) {
        chunks.add(chunk(r));
      }
      boolean fails = r.nextInt(4) == 0;
      List<List<?>> batches = new ArrayList<>();
      for (int from = 0; from < n; ) {
        int to = Math.min(n, from + 1 + r.nextInt(3));
        batches.add(chunks.subList(from, to));
        from = to;
      }
      Flux<List<?>> objects = Flux.fromIterable(batches);
      if (fails) {
        objects =
            objects.concatWith(Flux.error(ApiException.timeout("inference-service", TEXT.next(r))));
      }
      List<String> events = parse(write(EventStream.of(objects, JSON, metrics(), BUFFERS)));

      String why = "seed " + seed + ", chunks " + chunks;
      assertThat(events).as(why).hasSize(chunks.size() + (fails ? 2 : 1));
      for (int i = 0; i < chunks.size(); i++) {
        // exactly, a lone surrogate (a client's "\ud83d" echoed) included: it goes out escaped
        assertThat(JSON.readTree(events.get(i))).as(why).isEqualTo(JSON.valueToTree(chunks.get(i)));
      }
      if (fails) {
        JsonNode error = JSON.readTree(events.get(chunks.size())).path("error");
        assertThat(error.path("code").asString()).as(why).isEqualTo("timeout");
      }
      assertThat(events.getLast()).as(why).isEqualTo("[DONE]");
    }
  }

  private static Map<String, Object> chunk(Random r) {
    Map<String, Object> delta = new LinkedHashMap<>();
    delta.put("content", TEXT.next(r));
    Map<String, Object> choice = new LinkedHashMap<>();
    choice.put("index", 0);
    choice.put("delta", delta);
    choice.put("finish_reason", r.nextInt(5) == 0 ? "stop" : null);
    Map<String, Object> chunk = new LinkedHashMap<>();
    chunk.put("object", "chat.completion.chunk");
    chunk.put("choices", List.of(choice));
    return chunk;
  }

  /** The bytes the gateway puts on the wire, as UTF-8 text. */
  private static String write(Flux<DataBuffer> events) {
    return DataBufferUtils.join(events)
        .map(
            buffer -> {
              String text = buffer.toString(StandardCharsets.UTF_8);
              DataBufferUtils.release(buffer);
              return text;
            })
        .block();
  }

  /** The data of each dispatched event, by the WHATWG event-stream parsing rules. */
  private static List<String> parse(String stream) {
    List<String> events = new ArrayList<>();
    StringBuilder data = null;
    int at = 0;
    while (at < stream.length()) {
      int end = at;
      while (end < stream.length() && stream.charAt(end) != '\n' && stream.charAt(end) != '\r') {
        end++;
      }
      String line = stream.substring(at, end);
      at = end + 1; // past CR or LF (or the end)
      if (end < stream.length()
          && stream.charAt(end) == '\r'
          && at < stream.length()
          && stream.charAt(at) == '\n') {
        at++; // CRLF
      }
      if (line.isEmpty()) {
        if (data != null) {
          events.add(data.toString());
        }
        data = null;
      } else if (line.startsWith("data")) {
        String value =
            line.substring(line.indexOf(':') < 0 ? line.length() : line.indexOf(':') + 1);
        value = value.startsWith(" ") ? value.substring(1) : value;
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      }
    }
    return events;
  }

  private static org.llmplatform.gateway.observability.GatewayMetrics metrics() {
    return GatewayMetricsFactory.of(new SimpleMeterRegistry());
  }
}
