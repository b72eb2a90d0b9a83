package org.llmplatform.gateway.routing;

import java.util.List;

/** Picks one replica for a request among the available ones. */
interface RoutingPolicy {

  /**
   * @param candidates the replicas the request may go to, never empty, in the set's order
   * @param all the model's replicas (the candidates and those down or already tried)
   */
  Replica choose(RouteKey key, List<Replica> candidates, List<Replica> all);

  /** The request was sent to {@code replica}. */
  default void routed(RouteKey key, Replica replica) {}

  /** {@code replica} left the set: forget what is known of it. */
  default void removed(Replica replica) {}

  /** The set is {@code all} now (after each update, those that left already {@link #removed}). */
  default void changed(List<Replica> all) {}

  /** The gateway stops: end whatever the policy runs. */
  default void close() {}

  /**
   * Bounded loads (Mirrokni et al., "Consistent Hashing with Bounded Loads"): the most requests a
   * replica may have in flight before it takes one more, {@code factor} × the mean over the
   * candidates with this request counted, rounded up.
   */
  static int capacity(List<Replica> candidates, double factor) {
    int total = 1;
    for (Replica r : candidates) {
      total += r.load();
    }
    return (int) Math.ceil(factor * total / candidates.size());
  }

  /**
   * The candidate with the fewest requests in flight; ties go to the earliest from {@code start}.
   */
  static Replica leastLoaded(List<Replica> candidates, int start) {
    Replica best = null;
    for (int i = 0; i < candidates.size(); i++) {
      Replica r = candidates.get(Math.floorMod(start + i, candidates.size()));
      if (best == null || r.load() < best.load()) {
        best = r;
      }
    }
    return best;
  }
}
