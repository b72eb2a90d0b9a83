package org.llmplatform.gateway.routing;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Each request to the next replica in turn. */
final class RoundRobin implements RoutingPolicy {

  private final AtomicInteger next = new AtomicInteger();

  @Override
  public Replica choose(RouteKey key, List<Replica> candidates, List<Replica> all) {
    return candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size()));
  }
}
