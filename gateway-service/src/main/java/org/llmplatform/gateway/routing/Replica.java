package org.llmplatform.gateway.routing;

import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.llmplatform.api.inference.GenerateRequest;
import org.llmplatform.gateway.client.InferenceClient;
import org.llmplatform.gateway.client.InferenceClient.GenerateEvent;
import reactor.core.publisher.Flux;

/**
 * One inference-service instance of a model: its client (with its own circuit breaker), the
 * generations this gateway has in flight on it and those others sent it (from its load reports),
 * and whether it said it is ready.
 */
public final class Replica {

  private final URI url;
  private final InferenceClient client;
  private final AtomicInteger inFlight = new AtomicInteger();

  /** Most requests a load report may add (a replica's queue is far shorter). */
  private static final int MAX_REPORTED = 1 << 20;

  private volatile int othersInFlight;
  private volatile boolean ready = true;

  public Replica(URI url, InferenceClient client) {
    this.url = url;
    this.client = client;
  }

  public URI url() {
    return url;
  }

  public InferenceClient client() {
    return client;
  }

  /**
   * Requests on it now: the generations this gateway runs there, and those of other gateways as of
   * its last load report ({@link #reported}).
   */
  public int load() {
    return inFlight.get() + othersInFlight;
  }

  /**
   * Its load report: {@code requests} waiting and running on it. Those beyond this gateway's own in
   * flight now are taken as other gateways' until the next report (a request of this gateway that
   * ended since the report was sent counts once more meanwhile; one not admitted yet once less, as
   * it is counted here already). 0 when reports stop.
   */
  void reported(int requests) {
    othersInFlight = Math.clamp((long) requests - inFlight.get(), 0, MAX_REPORTED);
  }

  /** Ready (its readiness probe answered UP, or it was never asked) and its breaker is closed. */
  public boolean available() {
    return ready && client.downstream().permitsCalls();
  }

  /** Records what its readiness probe said; returns what it said before. */
  boolean markReady(boolean ready) {
    boolean was = this.ready;
    this.ready = ready;
    return was;
  }

  /**
   * A generation on this replica, in batches of events ({@link InferenceClient#generate}), counted
   * in its load while it runs.
   */
  public Flux<List<GenerateEvent>> generate(GenerateRequest request) {
    return Flux.defer(
        () -> {
          began();
          return client.generate(request).doFinally(signal -> ended());
        });
  }

  void began() {
    inFlight.incrementAndGet();
  }

  void ended() {
    inFlight.decrementAndGet();
  }

  @Override
  public String toString() {
    return url.toString();
  }
}
