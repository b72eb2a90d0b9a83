package org.llmplatform.session;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the session service ({@code llm.session.*}); Redis itself is configured through
 * Spring's {@code spring.data.redis.*}.
 *
 * @param keyPrefix prefix of every Redis key the service writes (tests give each run its own)
 * @param ttl how long a session lives after its last append (sliding)
 * @param maxMessagesPerSession most messages one session may hold; past it appends get 422
 * @param maxMessageBytes largest message content (and system prompt), in UTF-8 bytes; past it 413
 * @param maxSessionsPerOwner most live sessions one owner may have; past it creation gets 429
 * @param store where sessions live: {@code redis} (default) or {@code memory} (this process only,
 *     lost on restart, not shared between replicas: for local use)
 */
@Validated
@ConfigurationProperties("llm.session")
public record SessionProperties(
    @DefaultValue("llm:session:") @NotBlank String keyPrefix,
    @DefaultValue("24h") @NotNull Duration ttl,
    @DefaultValue("1000") @Min(1) int maxMessagesPerSession,
    @DefaultValue("65536") @Min(1) int maxMessageBytes,
    @DefaultValue("1000") @Min(1) int maxSessionsPerOwner,
    @DefaultValue("redis") @NotNull Store store) {

  /** The session stores to choose from ({@code llm.session.store}). */
  public enum Store {
    /** Redis, shared by every replica and kept across restarts. */
    REDIS,
    /** This process's memory: for local use only. */
    MEMORY
  }

  public SessionProperties {
    if (ttl != null && ttl.toMillis() < 1) {
      throw new IllegalArgumentException("llm.session.ttl must be at least 1ms");
    }
  }
}
