package org.llmplatform.gateway.auth;

import org.springframework.web.server.ServerWebExchange;

/**
 * The caller, as established from its API key.
 *
 * @param id the tenant id: owner of its sessions
 * @param keyId a short, non-secret id of the key (a prefix of its hash): rate limits are per key
 * @param requestsPerMinute the key's request rate limit
 * @param tokensPerMinute the key's generated-token rate limit
 */
public record Tenant(String id, String keyId, int requestsPerMinute, long tokensPerMinute) {

  static final String ATTRIBUTE = Tenant.class.getName();

  public Tenant {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("tenant id is required");
    }
  }

  /** The tenant that {@link ApiKeyFilter} established for this exchange. */
  public static Tenant of(ServerWebExchange exchange) {
    Tenant tenant = exchange.getAttribute(ATTRIBUTE);
    if (tenant == null) {
      throw new IllegalStateException("ApiKeyFilter did not run");
    }
    return tenant;
  }
}
