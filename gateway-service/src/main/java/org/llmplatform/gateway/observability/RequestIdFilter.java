package org.llmplatform.gateway.observability;

import java.util.UUID;
import java.util.regex.Pattern;
import org.llmplatform.http.tracing.TraceIdHeaderFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Gives every request an {@code x-request-id} (the client's when it sent a sane one), returns it on
 * the response, puts it in the Reactor context (every downstream call carries it, so an internal
 * service's log and error name the same id) and logs one access line with it and the trace id
 * ({@link TraceIdHeaderFilter}) when the exchange ends.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RequestIdFilter implements WebFilter {

  private static final Logger log = LoggerFactory.getLogger("org.llmplatform.gateway.access");
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    String sent = exchange.getRequest().getHeaders().getFirst(RequestId.HEADER);
    String id =
        sent != null && SANE.matcher(sent).matches()
            ? sent
            : UUID.randomUUID().toString().replace("-", "");
    exchange.getAttributes().put(RequestId.ATTRIBUTE, id);
    exchange.getResponse().getHeaders().set(RequestId.HEADER, id);
    long start = System.nanoTime();
    return chain
        .filter(exchange)
        .contextWrite(context -> context.put(RequestId.ATTRIBUTE, id)) // for downstream calls
        .doFinally(
            signal ->
                log.info(
                    "request_id={} trace_id={} {} {} status={} ms={}",
                    id,
                    exchange.getResponse().getHeaders().getFirst(TraceIdHeaderFilter.HEADER),
                    exchange.getRequest().getMethod(),
                    exchange.getRequest().getPath(),
                    exchange.getResponse().getStatusCode() == null
                        ? "-"
                        : exchange.getResponse().getStatusCode().value(),
                    (System.nanoTime() - start) / 1_000_000));
  }
}
