package org.llmplatform.gateway.routing;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** The replica with the fewest requests in flight from this gateway; ties in turn. */
final class LeastLoaded implements RoutingPolicy {

  private final AtomicInteger next = new AtomicInteger();

  @Override
  public Replica choose(RouteKey key, List<Replica> candidates, List<Replica> all) {
    return RoutingPolicy.leastLoaded(candidates, next.getAndIncrement());
  }
}
