package org.llmplatform.http.tracing;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.TracingObservationHandler;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Answers every request with the id of the trace it belongs to in {@value #HEADER}: the id to look
 * for in each service's log lines and, for a sampled request, in the trace backend. Sampled or not,
 * the request has a trace id (the caller's, from its {@code traceparent}, or a new one).
 */
public final class TraceIdHeaderFilter implements WebFilter, Ordered {

  /** The response header that carries the trace id (32 hex digits). */
  public static final String HEADER = "X-Trace-Id";

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    serverSpan(exchange)
        .map(span -> span.context().traceId())
        .filter(id -> !id.isEmpty())
        .ifPresent(id -> exchange.getResponse().getHeaders().set(HEADER, id));
    return chain.filter(exchange);
  }

  /** First of the filters, so that a request refused by a later one carries its trace id too. */
  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  /**
   * The span of the server observation WebFlux started for this request, if tracing is on: the
   * parent for spans a handler records itself.
   */
  public static Optional<Span> serverSpan(ServerWebExchange exchange) {
    return ServerRequestObservationContext.findCurrent(exchange.getAttributes())
        .map(
            context ->
                context.<TracingObservationHandler.TracingContext>get(
                    TracingObservationHandler.TracingContext.class))
        .map(TracingObservationHandler.TracingContext::getSpan);
  }
}
