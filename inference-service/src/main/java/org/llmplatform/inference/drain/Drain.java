package org.llmplatform.inference.drain;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Graceful drain at shutdown (SIGTERM): the service reports not ready (readiness probe 503, so the
 * gateway and Kubernetes stop sending work), refuses new generations with 503 {@code draining} (a
 * gateway with other replicas moves them there, before their first token), and waits until every
 * generation in flight has been answered to the last byte, for at most {@code
 * spring.lifecycle.timeout-per-shutdown-phase}. Only then does the web server stop and the engine
 * close.
 *
 * <p>A generation counts from the moment its request enters this filter until its response is
 * written or its client goes away, so what is waited for is the answer the client reads, not only
 * the engine's work. The drain runs in the lifecycle phase just before the web server's own
 * graceful shutdown, which therefore finds no generation left.
 */
@Component
public final class Drain implements SmartLifecycle, WebFilter, Ordered {

  static final String GENERATE_PATH = "/v1/internal/generate";

  private static final Logger log = LoggerFactory.getLogger(Drain.class);
  private static final long POLL_MILLIS = 20;

  private final ApplicationEventPublisher events;
  private final Duration timeout;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;
  private volatile boolean running;

  Drain(
      ApplicationEventPublisher events,
      @Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration timeout) {
    this.events = events;
    this.timeout = timeout;
  }

  /** Throws {@link DrainingException} once the service drains: it takes no new generation. */
  public void checkAdmitting() {
    if (draining) {
      throw new DrainingException();
    }
  }

  /** Generations whose answers are being written now. */
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    var request = exchange.getRequest();
    if (request.getMethod() != HttpMethod.POST
        || !GENERATE_PATH.equals(request.getPath().pathWithinApplication().value())) {
      return chain.filter(exchange);
    }
    // counted before the controller checks admission, so a drain that sees 0 sees every admitted
    // one
    return Mono.defer(
        () -> {
          inFlight.incrementAndGet();
          return chain.filter(exchange).doFinally(signal -> inFlight.decrementAndGet());
        });
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE + 10;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    drain();
  }

  @Override
  public void stop(Runnable callback) {
    Thread.ofPlatform()
        .name("llm-drain")
        .daemon()
        .start(
            () -> {
              try {
                drain();
              } finally {
                callback.run();
              }
            });
  }

  /** Refuses new generations and waits for those in flight, at most {@link #timeout}. */
  void drain() {
    if (!running) {
      return;
    }
    running = false;
    draining = true;
    AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    int left = inFlight.get();
    if (left > 0) {
      log.info("draining: {} generation(s) in flight, waiting up to {}", left, timeout);
    }
    try {
      while (left > 0 && System.nanoTime() < deadline) {
        Thread.sleep(POLL_MILLIS);
        left = inFlight.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    if (left > 0) {
      log.warn("drain timed out after {} ms with {} generation(s) in flight", millis, left);
    } else {
      log.info("drained in {} ms", millis);
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Just before the web server's graceful shutdown: it stops after the drain. */
  @Override
  public int getPhase() {
    return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 1;
  }
}
