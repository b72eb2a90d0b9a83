package org.llmplatform.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.llmplatform.gateway.GatewayProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** The configured API keys, by SHA-256 hash; a presented key is hashed and looked up. */
@Component
class ApiKeys {

  private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

  private final Map<String, Tenant> byHash;

  ApiKeys(GatewayProperties properties) {
    this.byHash =
        properties.apiKeys().stream()
            .collect(
                Collectors.toUnmodifiableMap(
                    key -> key.sha256().toLowerCase(Locale.ROOT),
                    key ->
                        new Tenant(
                            key.tenant(),
                            key.sha256().substring(0, 12).toLowerCase(Locale.ROOT),
                            key.requestsPerMinute(),
                            key.tokensPerMinute()),
                    (a, b) -> {
                      throw new IllegalStateException("the same API key is configured twice");
                    }));
    if (byHash.isEmpty()) {
      log.warn(
          "no API keys configured (llm.gateway.api-keys): every /v1 request is refused with 401");
    } else {
      log.info(
          "{} API keys configured for tenants {}",
          byHash.size(),
          byHash.values().stream()
              .map(Tenant::id)
              .collect(Collectors.toCollection(java.util.TreeSet::new)));
    }
  }

  Optional<Tenant> find(String presentedKey) {
    return Optional.ofNullable(byHash.get(sha256(presentedKey)));
  }

  static String sha256(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
