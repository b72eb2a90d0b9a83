package org.llmplatform.http.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import reactor.core.publisher.Mono;

/**
 * Lets a request through only when its {@value InternalAccessProperties#HEADER} header equals the
 * configured token; otherwise 401 with the services' error JSON ({@code
 * {"error":{"code":"unauthorized","message","param":"X-Internal-Token"}}}). Actuator health and
 * metrics need no token (probes and scrapers). The comparison is of the two values' SHA-256 digests
 * with {@link MessageDigest#isEqual}: its time depends on neither the content nor the length of the
 * presented value.
 */
final class InternalTokenFilter implements WebFilter, Ordered {

  /** After Boot's observation filter (HIGHEST_PRECEDENCE + 1), so refusals are counted too. */
  static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

  private static final List<PathPattern> OPEN =
      List.of(
          PathPatternParser.defaultInstance.parse("/actuator/health/**"),
          PathPatternParser.defaultInstance.parse("/actuator/prometheus"),
          PathPatternParser.defaultInstance.parse("/actuator/metrics/**"));

  private static final byte[] MISSING =
      error("missing " + InternalAccessProperties.HEADER + " header: only the gateway may call");
  private static final byte[] WRONG = error("wrong " + InternalAccessProperties.HEADER);

  private final byte[] expected;

  InternalTokenFilter(String token) {
    this.expected = sha256(token);
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    var path = exchange.getRequest().getPath().pathWithinApplication();
    if (OPEN.stream().anyMatch(open -> open.matches(path))) {
      return chain.filter(exchange);
    }
    String presented = exchange.getRequest().getHeaders().getFirst(InternalAccessProperties.HEADER);
    if (presented == null || presented.isEmpty()) {
      return refuse(exchange.getResponse(), MISSING);
    }
    if (!MessageDigest.isEqual(expected, sha256(presented))) {
      return refuse(exchange.getResponse(), WRONG);
    }
    return chain.filter(exchange);
  }

  @Override
  public int getOrder() {
    return ORDER;
  }

  private static Mono<Void> refuse(ServerHttpResponse response, byte[] body) {
    response.setStatusCode(HttpStatus.UNAUTHORIZED);
    HttpHeaders headers = response.getHeaders();
    headers.setContentType(MediaType.APPLICATION_JSON);
    headers.set(HttpHeaders.WWW_AUTHENTICATE, "InternalToken realm=\"llm-platform\"");
    return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
  }

  /** The error JSON of the internal services ({@code ErrorBody} in llm-api); no quotes inside. */
  private static byte[] error(String message) {
    return ("{\"error\":{\"code\":\"unauthorized\",\"message\":\""
            + message
            + "\",\"param\":\""
            + InternalAccessProperties.HEADER
            + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
