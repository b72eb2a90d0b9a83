package org.llmplatform.gateway.ratelimit;

import java.time.Duration;
import java.util.List;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.error.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.util.function.Tuple2;

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
    // both buckets at once: one Redis round trip (pipelined on the shared connection), not two.
    // A refusal waits for the other bucket (bounded by its time-out) rather than cancel its script
    // in flight, which on a Redis Cluster (the keys on different masters) now and then left the
    // refused request without an answer
    return Mono.whenDelayError(
            check(
                buckets.take(
                    PREFIX + tenant.keyId() + ":requests", tenant.requestsPerMinute(), 1, 1),
                "requests per minute"),
            check(
                buckets.take(PREFIX + tenant.keyId() + ":tokens", tenant.tokensPerMinute(), 0, 1),
                "generated tokens per minute"))
        .onErrorMap(Exceptions::isMultiple, RateLimits::rateLimitFirst); // both refused
  }

  /**
   * {@link #admit} while {@code preparation} (session read, tokenize: nothing that generates) runs,
   * so that the Redis round trip is not added to the time to first token. The preparation's result
   * once admitted; when the key is past its limits, the 429, even if the preparation failed too.
   */
  public <T> Mono<T> admitDuring(Tenant tenant, Mono<T> preparation) {
    // the preparation is subscribed first: its calls leave before the two Redis scripts are encoded
    // and written (~1 ms of the event loop under load), which would otherwise delay them
    return Mono.zipDelayError(preparation, admit(tenant).thenReturn(Boolean.TRUE))
        .map(Tuple2::getT1)
        .onErrorMap(Exceptions::isMultiple, RateLimits::rateLimitFirst);
  }

  private static Throwable rateLimitFirst(Throwable multiple) {
    List<Throwable> errors = Exceptions.unwrapMultiple(multiple);
    return errors.stream()
        .filter(e -> e instanceof ApiException api && api.status() == HttpStatus.TOO_MANY_REQUESTS)
        .findFirst()
        .orElse(errors.getFirst());
  }

  /**
   * Charges the tokens a request generated to its key. The command is sent at once (before the
   * caller's next step, so the key's next request is checked after it on the same Redis connection)
   * and not waited for: bookkeeping does not hold the answer back.
   */
  public void charge(Tenant tenant, long generatedTokens) {
    if (generatedTokens <= 0) {
      return;
    }
    buckets
        .take(PREFIX + tenant.keyId() + ":tokens", tenant.tokensPerMinute(), generatedTokens, -1e18)
        .timeout(REDIS_TIMEOUT)
        .subscribe(
            decision -> {},
            e -> log.warn("rate limit charge failed, not enforced: {}", e.toString()));
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
