package org.llmplatform.gateway.observability;

import org.springframework.web.server.ServerWebExchange;

/** The id of one client request: response header, log field, and idempotency key of its turn. */
public final class RequestId {

  /** The header that carries it, in and out. */
  public static final String HEADER = "x-request-id";

  static final String ATTRIBUTE = RequestId.class.getName();

  private RequestId() {}

  public static String of(ServerWebExchange exchange) {
    String id = exchange.getAttribute(ATTRIBUTE);
    if (id == null) {
      throw new IllegalStateException("RequestIdFilter did not run");
    }
    return id;
  }
}
