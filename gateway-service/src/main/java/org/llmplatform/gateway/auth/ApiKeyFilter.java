package org.llmplatform.gateway.auth;

import org.llmplatform.gateway.error.ApiException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Every {@code /v1/**} request needs {@code Authorization: Bearer <key>} with a configured key;
 * otherwise 401 with {@code WWW-Authenticate: Bearer} (RFC 6750; {@code error="invalid_token"} when
 * a key was given but is not configured). Actuator is on the management port, not this one.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class ApiKeyFilter implements WebFilter {

  private static final String BEARER = "Bearer ";
  private static final String CHALLENGE = "Bearer realm=\"llm-platform\"";
  private static final String INVALID_TOKEN =
      CHALLENGE + ", error=\"invalid_token\", error_description=\"invalid API key\"";

  private final ApiKeys keys;

  ApiKeyFilter(ApiKeys keys) {
    this.keys = keys;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (!exchange.getRequest().getPath().value().startsWith("/v1/")) {
      return chain.filter(exchange);
    }
    String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
    var response = exchange.getResponse().getHeaders();
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      response.set(HttpHeaders.WWW_AUTHENTICATE, CHALLENGE);
      return Mono.error(
          ApiException.unauthorized("missing API key: send it as 'Authorization: Bearer <key>'"));
    }
    return keys.find(header.substring(BEARER.length()).strip())
        .map(
            tenant -> {
              exchange.getAttributes().put(Tenant.ATTRIBUTE, tenant);
              return chain.filter(exchange);
            })
        .orElseGet(
            () -> {
              response.set(HttpHeaders.WWW_AUTHENTICATE, INVALID_TOKEN);
              return Mono.error(ApiException.unauthorized("invalid API key"));
            });
  }
}
