package org.llmplatform.gateway.auth;

import java.util.List;
import java.util.stream.Stream;
import org.llmplatform.gateway.error.ApiException;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import reactor.core.publisher.Mono;

/**
 * Every request to the public port needs {@code Authorization: Bearer <key>} with a configured key;
 * otherwise 401 with {@code WWW-Authenticate: Bearer} (RFC 6750; {@code error="invalid_token"} when
 * a key was given but is not configured). The only exceptions: reading the API's documentation (the
 * OpenAPI document and Swagger UI at springdoc's paths in application.yml) and the playground's
 * static page (whose own calls to the API send the key the user enters), both matched as the router
 * matches them; CORS preflights (answered before this filter); and the actuator's own management
 * port.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class ApiKeyFilter implements WebFilter {

  private static final String BEARER = "Bearer ";
  private static final String CHALLENGE = "Bearer realm=\"llm-platform\"";
  private static final String INVALID_TOKEN =
      CHALLENGE + ", error=\"invalid_token\", error_description=\"invalid API key\"";

  /**
   * Served without a key, on GET: springdoc's document and UI at the paths application.yml sets,
   * and the playground: its page (Spring Boot's welcome page, static/index.html) and its scripts
   * and style sheet (static/playground/).
   */
  private static final List<PathPattern> KEYLESS_READS =
      Stream.of(
              "/v3/api-docs",
              "/v3/api-docs.yaml",
              "/v3/api-docs/swagger-config",
              "/docs",
              "/swagger-ui/**",
              "/",
              "/index.html",
              "/playground/**")
          .map(PathPatternParser.defaultInstance::parse)
          .toList();

  /** The server namespace of Spring Boot's management child context. */
  private static final String MANAGEMENT_NAMESPACE = "management";

  private final ApiKeys keys;

  ApiKeyFilter(ApiKeys keys) {
    this.keys = keys;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (managementServer(exchange) || keylessRead(exchange.getRequest())) {
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

  /**
   * Whether the request came to the actuator's own server ({@code management.server.port}), whose
   * context inherits this filter: probes and scrapers there need no key.
   */
  private static boolean managementServer(ServerWebExchange exchange) {
    return WebServerApplicationContext.hasServerNamespace(
        exchange.getApplicationContext(), MANAGEMENT_NAMESPACE);
  }

  private static boolean keylessRead(ServerHttpRequest request) {
    HttpMethod method = request.getMethod();
    if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
      return false;
    }
    PathContainer path = request.getPath().pathWithinApplication();
    return KEYLESS_READS.stream().anyMatch(pattern -> pattern.matches(path));
  }
}
