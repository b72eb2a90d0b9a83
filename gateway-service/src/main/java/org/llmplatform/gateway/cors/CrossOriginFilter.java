package org.llmplatform.gateway.cors;

import org.llmplatform.gateway.GatewayProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.cors.reactive.CorsProcessor;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.cors.reactive.DefaultCorsProcessor;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * CORS for browser pages of other origins, before authentication: a preflight never carries the API
 * key, so it is answered here (200 with the allowed methods and headers for an allowed origin; 403
 * without CORS headers for any other, and for every origin when none is configured). Other requests
 * from an allowed origin go on with {@code Access-Control-Allow-Origin} and the exposed headers
 * already set, so that every answer carries them: success, errors (401, 429, any error JSON) and
 * event streams. A request from another origin goes on without them, and the browser keeps the
 * answer from the page.
 */
@Component
@Order(CrossOriginFilter.ORDER)
class CrossOriginFilter implements WebFilter {

  /** After the request id (a preflight is logged with one), before the API key check. */
  static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 5;

  private static final Logger log = LoggerFactory.getLogger(CrossOriginFilter.class);

  private final ApiCorsRules rules; // null: CORS off
  private final CorsProcessor preflights = new DefaultCorsProcessor();

  CrossOriginFilter(GatewayProperties properties) {
    GatewayProperties.Cors cors = properties.cors();
    this.rules = cors.enabled() ? new ApiCorsRules(cors) : null;
    if (rules == null) {
      log.info(
          "CORS off (llm.gateway.cors.allowed-origins): pages of other origins cannot call the API");
    } else {
      log.info("CORS on for origins {}", cors.allowedOrigins());
    }
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    HttpHeaders response = exchange.getResponse().getHeaders();
    if (rules != null && !response.getVary().contains(HttpHeaders.ORIGIN)) {
      response.add(HttpHeaders.VARY, HttpHeaders.ORIGIN); // answers differ by origin
    }
    if (!crossOrigin(exchange)) {
      return chain.filter(exchange);
    }
    if (CorsUtils.isPreFlightRequest(exchange.getRequest())) {
      if (rules == null) {
        exchange.getResponse().setStatusCode(HttpStatus.FORBIDDEN);
      } else {
        preflights.process(rules, exchange); // 200 with the CORS headers, or 403
      }
      return Mono.empty();
    }
    String allowOrigin =
        rules == null ? null : rules.checkOrigin(exchange.getRequest().getHeaders().getOrigin());
    if (allowOrigin != null) {
      response.setAccessControlAllowOrigin(allowOrigin);
      response.setAccessControlExposeHeaders(ApiCorsRules.EXPOSED_HEADERS);
    }
    return chain.filter(exchange);
  }

  /** Whether the request names an origin other than the gateway's own (a malformed one counts). */
  private static boolean crossOrigin(ServerWebExchange exchange) {
    try {
      return CorsUtils.isCorsRequest(exchange.getRequest());
    } catch (IllegalArgumentException malformedOrigin) {
      return true;
    }
  }
}
