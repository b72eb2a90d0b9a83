package org.llmplatform.gateway.observability;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** The id of one client request: response header, log field, and idempotency key of its turn. */
public final class RequestId {

  /** The header that carries it, in and out. */
  public static final String HEADER = "x-request-id";

  static final String ATTRIBUTE = RequestId.class.getName();

  private RequestId() {}

  /**
   * Adds the current request's id ({@link #HEADER}) to every call of a {@link WebClient}, read from
   * the Reactor context the request runs in (nothing outside a request).
   */
  public static ExchangeFilterFunction propagation() {
    return (request, next) ->
        Mono.deferContextual(
            context ->
                next.exchange(
                    context.hasKey(ATTRIBUTE)
                        ? ClientRequest.from(request)
                            .header(HEADER, context.<String>get(ATTRIBUTE))
                            .build()
                        : request));
  }

  public static String of(ServerWebExchange exchange) {
    String id = exchange.getAttribute(ATTRIBUTE);
    if (id == null) {
      throw new IllegalStateException("RequestIdFilter did not run");
    }
    return id;
  }
}
