package org.llmplatform.gateway.ratelimit;

import java.time.Duration;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.error.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Per-key rate limits: requests per minute (checked on every request) and generated tokens per
 * minute (a request is admitted while the key has tokens left; what it generated is charged after).
 * When Redis cannot be reached the limits are not enforced (logged): availability over strictness.
 */
@Component
public class RateLimits {

  private static final Logger log = LoggerFactory.getLogger(RateLimits.class);
  private static final String PREFIX = "llm:gateway:ratelimit:";
  private static final Duration REDIS_TIMEOUT = Duration.ofMillis(500);

  private final TokenBucket buckets;

  RateLimits(TokenBucket buckets) {
    this.buckets = buckets;
  }

  /** Counts one request against the key; 429 when past its requests or tokens per minute. */
  public Mono<Void> admit(Tenant tenant) {
    return check(
            buckets.take(PREFIX + tenant.keyId() + ":requests", tenant.requestsPerMinute(), 1, 1),
            "requests per minute")
        .then(
            check(
                buckets.take(PREFIX + tenant.keyId() + ":tokens", tenant.tokensPerMinute(), 0, 1),
                "generated tokens per minute"));
  }

  /** Charges the tokens a request generated to its key. */
  public Mono<Void> charge(Tenant tenant, long generatedTokens) {
    if (generatedTokens <= 0) {
      return Mono.empty();
    }
    return buckets
        .take(PREFIX + tenant.keyId() + ":tokens", tenant.tokensPerMinute(), generatedTokens, -1e18)
        .timeout(REDIS_TIMEOUT)
        .doOnError(e -> log.warn("rate limit charge failed, not enforced: {}", e.toString()))
        .onErrorComplete()
        .then();
  }

  private Mono<Void> check(Mono<TokenBucket.Decision> decision, String what) {
    return decision
        .timeout(REDIS_TIMEOUT)
        .onErrorResume(
            e -> {
              log.warn("rate limit check failed, not enforced: {}", e.toString());
              return Mono.just(new TokenBucket.Decision(true, Duration.ZERO));
            })
        .flatMap(
            d ->
                d.allowed()
                    ? Mono.<Void>empty()
                    : Mono.error(
                        ApiException.tooManyRequests(
                            "rate_limit_exceeded",
                            d.retryAfter(),
                            "rate limit reached: "
                                + what
                                + "; retry after "
                                + d.retryAfter().toMillis()
                                + " ms")));
  }
}
