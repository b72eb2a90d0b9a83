package org.llmplatform.gateway.client;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.error.ApiException;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The resilience policy around one downstream service: a time limit, retries with backoff only
 * before anything was received, and a circuit breaker that counts only the downstream's own trouble
 * (connection failures, time-outs, 5xx) and, when open, refuses calls at once (503). Failures leave
 * as {@link ApiException}s with the status the client should see.
 */
public final class Downstream {

  private final String name;
  private final CircuitBreaker breaker;
  private final GatewayProperties.Resilience policy;

  Downstream(String name, CircuitBreakerRegistry breakers, GatewayProperties.Resilience policy) {
    this.name = name;
    this.policy = policy;
    this.breaker =
        breakers.circuitBreaker(
            name,
            CircuitBreakerConfig.custom()
                .failureRateThreshold(policy.breakerFailureRate())
                .minimumNumberOfCalls(policy.breakerMinimumCalls())
                .slidingWindowSize(Math.max(policy.breakerMinimumCalls(), 20))
                .waitDurationInOpenState(policy.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(Downstream::isTrouble)
                .build());
  }

  public String name() {
    return name;
  }

  /** Whether its circuit breaker lets calls through now (closed, or half-open for a trial). */
  public boolean permitsCalls() {
    return breaker.getState() != CircuitBreaker.State.OPEN
        && breaker.getState() != CircuitBreaker.State.FORCED_OPEN;
  }

  /** A unary call (tokenize, session read): time limit, retries when {@code retry}, breaker. */
  public <T> Mono<T> call(Mono<T> call, boolean retry) {
    return call.timeout(policy.callTimeout())
        .transformDeferred(CircuitBreakerOperator.of(breaker))
        .retryWhen(backoff(retry ? policy.retries() : 0, e -> true))
        .onErrorMap(this::toApi);
  }

  /**
   * An idempotent write (a session append carrying its idempotency key): like a unary call with
   * retries, but also retried after a time-out, since a repeat of a write that did land is a no-op.
   */
  public <T> Mono<T> write(Mono<T> call) {
    return call.timeout(policy.callTimeout())
        .transformDeferred(CircuitBreakerOperator.of(breaker))
        .retryWhen(backoff(policy.retries(), e -> true, true))
        .onErrorMap(this::toApi);
  }

  /**
   * A streamed call (generation): a time limit to the first element and between elements, retries
   * only while nothing has been received, breaker.
   */
  public <T> Flux<T> stream(Flux<T> stream) {
    return Flux.defer(
        () -> {
          var started = new AtomicBoolean();
          return StreamDeadline.limit(stream, policy.firstTokenTimeout(), policy.tokenTimeout())
              .doOnNext(element -> started.set(true))
              .transformDeferred(CircuitBreakerOperator.of(breaker))
              .retryWhen(backoff(policy.retries(), e -> !started.get()))
              .onErrorMap(this::toApi);
        });
  }

  private Retry backoff(int retries, java.util.function.Predicate<Throwable> allowed) {
    return backoff(retries, allowed, false);
  }

  private Retry backoff(
      int retries, java.util.function.Predicate<Throwable> allowed, boolean afterTimeouts) {
    return Retry.backoff(retries, policy.retryBackoff())
        .filter(
            e ->
                allowed.test(e)
                    && (isRetryable(e) || (afterTimeouts && e instanceof TimeoutException)))
        .onRetryExhaustedThrow((spec, signal) -> signal.failure());
  }

  /** Worth another try: nothing was processed (no connection, overloaded, unavailable). */
  private static boolean isRetryable(Throwable e) {
    return switch (e) {
      case WebClientRequestException connect -> true;
      case WebClientResponseException response ->
          response.getStatusCode().value() == 503 || response.getStatusCode().value() == 429;
      default -> false;
    };
  }

  /** The downstream's own trouble, as opposed to a bad request it rightly refused. */
  private static boolean isTrouble(Throwable e) {
    return switch (e) {
      case WebClientRequestException connect -> true;
      case TimeoutException timeout -> true;
      case WebClientResponseException response ->
          response.getStatusCode().is5xxServerError() || !response.getStatusCode().isError();
      default -> false;
    };
  }

  ApiException toApi(Throwable e) {
    return switch (e) {
      case ApiException api -> api;
      case CallNotPermittedException open ->
          ApiException.unavailable(name, "circuit breaker is open after repeated failures", e);
      case TimeoutException timeout ->
          ApiException.timeout(name, "no answer within the time limit");
      case WebClientRequestException connect ->
          ApiException.unavailable(name, rootMessage(connect), e);
      case WebClientResponseException refused when refused.getStatusCode().value() == 401 ->
          // the gateway's llm.internal.token is missing or not the downstream's: not the client's
          ApiException.unavailable(name, "it refused the gateway's internal token", e);
      case WebClientResponseException response -> DownstreamErrors.fromResponse(name, response);
      default -> ApiException.unavailable(name, rootMessage(e), e);
    };
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  static Duration retryAfterOf(WebClientResponseException response) {
    String header = response.getHeaders().getFirst("Retry-After");
    try {
      return header == null ? Duration.ofSeconds(1) : Duration.ofSeconds(Long.parseLong(header));
    } catch (NumberFormatException notSeconds) {
      return Duration.ofSeconds(1);
    }
  }
}
