package org.llmplatform.gateway.cors;

import java.util.List;
import java.util.Locale;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.observability.RequestId;
import org.llmplatform.http.tracing.TraceIdHeaderFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.web.cors.CorsConfiguration;

/**
 * The API's CORS rules for the configured origins: the methods of the API, the request headers a
 * browser page or an official OpenAI SDK sends, and the response headers a page may read.
 * Credentials (cookies) are never allowed: the API key travels in {@code Authorization}.
 */
final class ApiCorsRules extends CorsConfiguration {

  /** Request headers a page may send: those the gateway reads, and the OpenAI SDKs' own. */
  static final List<String> REQUEST_HEADERS =
      List.of(
          HttpHeaders.AUTHORIZATION,
          HttpHeaders.CONTENT_TYPE,
          HttpHeaders.ACCEPT,
          "Idempotency-Key",
          RequestId.HEADER,
          "OpenAI-Organization",
          "OpenAI-Project",
          "traceparent", // W3C trace context, which the gateway continues
          "tracestate");

  /**
   * Prefix of the headers the official (Stainless-generated) OpenAI SDKs add: {@code
   * x-stainless-lang}, {@code -os}, {@code -arch}, {@code -runtime}, {@code -retry-count}, {@code
   * -timeout}… The list grows with their releases, hence a prefix.
   */
  static final String SDK_HEADER_PREFIX = "x-stainless-";

  /** Response headers a page may read besides the CORS-safelisted ones. */
  static final List<String> EXPOSED_HEADERS =
      List.of(
          RequestId.HEADER,
          TraceIdHeaderFilter.HEADER,
          "Idempotency-Key",
          "Idempotent-Replayed",
          HttpHeaders.RETRY_AFTER,
          // OpenAI's rate-limit headers, which its SDKs read
          "x-ratelimit-limit-requests",
          "x-ratelimit-limit-tokens",
          "x-ratelimit-remaining-requests",
          "x-ratelimit-remaining-tokens",
          "x-ratelimit-reset-requests",
          "x-ratelimit-reset-tokens");

  ApiCorsRules(GatewayProperties.Cors cors) {
    setAllowedOrigins(cors.allowedOrigins());
    setAllowedMethods(List.of("GET", "POST", "DELETE", "OPTIONS"));
    setAllowedHeaders(REQUEST_HEADERS);
    setExposedHeaders(EXPOSED_HEADERS);
    setAllowCredentials(false);
    setMaxAge(cors.maxAge());
  }

  /**
   * The requested headers that are allowed ({@link #REQUEST_HEADERS} and any {@code x-stainless-*}
   * header), or null when none is: the preflight is then refused.
   */
  @Override
  public List<String> checkHeaders(List<String> requestHeaders) {
    if (requestHeaders == null) {
      return null;
    }
    if (requestHeaders.isEmpty()) {
      return List.of();
    }
    List<String> allowed =
        requestHeaders.stream()
            .map(String::strip)
            .filter(header -> !header.isEmpty() && allowed(header))
            .toList();
    return allowed.isEmpty() ? null : allowed;
  }

  private static boolean allowed(String header) {
    return header.toLowerCase(Locale.ROOT).startsWith(SDK_HEADER_PREFIX)
        || REQUEST_HEADERS.stream().anyMatch(header::equalsIgnoreCase);
  }
}
