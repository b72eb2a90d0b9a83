package org.llmplatform.http.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.TracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Mono;

/** The trace id a service answers with is the one of the server span of that request. */
class TraceIdHeaderFilterTest {

  private final SdkTracerProvider provider = SdkTracerProvider.builder().build();
  private final OtelTracer tracer =
      new OtelTracer(provider.get("test"), new OtelCurrentTraceContext(), event -> {});

  @AfterEach
  void close() {
    provider.close();
  }

  @Test
  void theResponseCarriesTheTraceIdOfTheRequestsServerSpan() {
    var exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/v1/chat/completions"));
    Span span = tracer.nextSpan().start();
    var observation =
        new ServerRequestObservationContext(
            exchange.getRequest(), exchange.getResponse(), exchange.getAttributes());
    var tracing = new TracingObservationHandler.TracingContext();
    tracing.setSpan(span);
    observation.put(TracingObservationHandler.TracingContext.class, tracing);
    exchange
        .getAttributes()
        .put(ServerRequestObservationContext.CURRENT_OBSERVATION_CONTEXT_ATTRIBUTE, observation);

    new TraceIdHeaderFilter().filter(exchange, e -> Mono.empty()).block();

    assertThat(exchange.getResponse().getHeaders().getFirst(TraceIdHeaderFilter.HEADER))
        .isEqualTo(span.context().traceId())
        .matches("[0-9a-f]{32}");
    assertThat(TraceIdHeaderFilter.serverSpan(exchange)).contains(span);
  }

  @Test
  void withoutTracingTheResponseHasNoTraceId() {
    var exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/v1/models"));

    new TraceIdHeaderFilter().filter(exchange, e -> Mono.empty()).block();

    assertThat(exchange.getResponse().getHeaders().containsHeader(TraceIdHeaderFilter.HEADER))
        .isFalse();
    assertThat(TraceIdHeaderFilter.serverSpan(exchange)).isEmpty();
  }
}
