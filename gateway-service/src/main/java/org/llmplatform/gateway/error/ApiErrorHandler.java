package org.llmplatform.gateway.error;

import org.llmplatform.gateway.observability.GatewayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's one error handler: every failure that reaches the HTTP layer before the response
 * started (controllers, filters, unknown routes) becomes an OpenAI error JSON with its status.
 * Streams that fail after they started end with an error event instead (see the chat handler).
 */
@Component
@Order(-2)
class ApiErrorHandler implements WebExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);

  private final JsonMapper json;
  private final GatewayMetrics metrics;

  ApiErrorHandler(JsonMapper json, GatewayMetrics metrics) {
    this.json = json;
    this.metrics = metrics;
  }

  @Override
  public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
    var response = exchange.getResponse();
    if (response.isCommitted()) {
      return Mono.error(error);
    }
    ApiException api = Errors.toApi(error);
    metrics.error(api.code(), api.status().value());
    if (api.status().is5xxServerError()) {
      log.warn(
          "{} {} -> {} {}",
          exchange.getRequest().getMethod(),
          exchange.getRequest().getPath(),
          api.status().value(),
          api.getMessage(),
          api.getCause());
    }
    response.setStatusCode(api.status());
    HttpHeaders headers = response.getHeaders();
    headers.setContentType(MediaType.APPLICATION_JSON);
    if (api.retryAfter() != null) {
      headers.set(HttpHeaders.RETRY_AFTER, api.retryAfterHeader());
    }
    byte[] body = json.writeValueAsBytes(api.body());
    return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
  }
}
