package org.llmplatform.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver in the test JVM (what an OpenTelemetry Collector's {@code otlp}
 * receiver does on {@code /v1/traces}): the services export their spans to it as they would to a
 * collector, and tests read them back by trace id. It keeps the newest {@value #MAX_SPANS} spans.
 */
final class OtlpReceiver implements AutoCloseable {

  private static final int MAX_SPANS = 50_000;
  private static final HexFormat HEX = HexFormat.of();

  /** One span as exported: the service it came from, its ids, name, kind, times, attributes. */
  record ReceivedSpan(
      String service,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      String kind,
      long startEpochNanos,
      long endEpochNanos,
      Map<String, String> attributes) {}

  private final HttpServer server;
  private final ConcurrentLinkedDeque<ReceivedSpan> spans = new ConcurrentLinkedDeque<>();

  OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/traces", this::receive);
    server.start();
  }

  /** The URL to set as {@code management.opentelemetry.tracing.export.otlp.endpoint}. */
  String tracesEndpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
  }

  private void receive(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      InputStream body = exchange.getRequestBody();
      if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
        body = new GZIPInputStream(body);
      }
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
      for (ResourceSpans resource : request.getResourceSpansList()) {
        String service = attributes(resource.getResource().getAttributesList()).get("service.name");
        for (ScopeSpans scope : resource.getScopeSpansList()) {
          for (var span : scope.getSpansList()) {
            spans.add(
                new ReceivedSpan(
                    service,
                    HEX.formatHex(span.getTraceId().toByteArray()),
                    HEX.formatHex(span.getSpanId().toByteArray()),
                    HEX.formatHex(span.getParentSpanId().toByteArray()),
                    span.getName(),
                    span.getKind().name(),
                    span.getStartTimeUnixNano(),
                    span.getEndTimeUnixNano(),
                    attributes(span.getAttributesList())));
          }
        }
      }
      while (spans.size() > MAX_SPANS) {
        spans.pollFirst();
      }
      byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
      exchange.getResponseBody().write(answer);
    }
  }

  private static Map<String, String> attributes(List<KeyValue> attributes) {
    var map = new LinkedHashMap<String, String>();
    for (KeyValue kv : attributes) {
      var value = kv.getValue();
      map.put(
          kv.getKey(),
          switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> Long.toString(value.getIntValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            default -> value.toString();
          });
    }
    return map;
  }

  /** The spans of one trace received so far. */
  List<ReceivedSpan> trace(String traceId) {
    return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
  }

  /**
   * Waits until the spans of {@code traceId} satisfy {@code complete} (exporters send in batches,
   * every few seconds), and returns them; fails with what arrived after {@code timeout}.
   */
  List<ReceivedSpan> awaitTrace(
      String traceId, Predicate<List<ReceivedSpan>> complete, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      List<ReceivedSpan> trace = trace(traceId);
      if (complete.test(trace)) {
        return trace;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "trace " + traceId + " incomplete after " + timeout + ": " + trace);
      }
      Thread.sleep(200);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
