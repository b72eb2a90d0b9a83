package org.llmplatform.gateway.routing;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.error.ApiException;

/**
 * The inference-service replicas of one model and the policy that spreads requests over them. The
 * set changes while the gateway runs (a DNS name resolving to other addresses); a request picks
 * among the replicas that are available and that it has not tried yet.
 */
public final class ReplicaSet {

  private final String model;
  private final RoutingPolicy policy;
  private final Function<URI, Replica> connect;
  private volatile List<Replica> replicas = List.of();

  /**
   * @param connect makes the replica (its client) for a base URL
   */
  public ReplicaSet(
      String model,
      GatewayProperties.Routing routing,
      List<URI> urls,
      Function<URI, Replica> connect) {
    this.model = model;
    this.policy = policy(routing);
    this.connect = connect;
    update(urls);
  }

  static RoutingPolicy policy(GatewayProperties.Routing routing) {
    return switch (routing.policy()) {
      case "round-robin" -> new RoundRobin();
      case "least-loaded" -> new LeastLoaded();
      case "session-affinity" -> new SessionAffinity(routing.loadFactor(), routing.blockTokens());
      default -> new KvAware(routing);
    };
  }

  /** Prompt blocks the kv-aware index holds (0 for the other policies). */
  int indexed() {
    return policy instanceof KvAware kv ? kv.indexed() : 0;
  }

  public String model() {
    return model;
  }

  public List<Replica> replicas() {
    return replicas;
  }

  /**
   * The replica for a request, among those available and not in {@code tried}; when none is
   * available, one not tried even so (its breaker or probe may be out of date); null when every
   * replica was tried.
   */
  public Replica pick(RouteKey key, Collection<Replica> tried) {
    List<Replica> all = replicas;
    var candidates = new ArrayList<Replica>(all.size());
    var untried = new ArrayList<Replica>(all.size());
    for (Replica r : all) {
      if (!tried.contains(r)) {
        untried.add(r);
        if (r.available()) {
          candidates.add(r);
        }
      }
    }
    if (candidates.isEmpty()) {
      candidates = untried;
    }
    if (candidates.isEmpty()) {
      return null;
    }
    Replica chosen =
        candidates.size() == 1 ? candidates.getFirst() : policy.choose(key, candidates, all);
    if (all.size() > 1) { // with one replica there is nothing to choose, and nothing to remember
      policy.routed(key, chosen);
    }
    return chosen;
  }

  /**
   * Any replica, available first (for the model's shape, which every replica shares); 503 while
   * none is known (a DNS name that resolves to no address yet).
   */
  public Replica any() {
    List<Replica> all = replicas;
    if (all.isEmpty()) {
      throw ApiException.unavailable(
          "inference-service:" + model, "no replica of the model is known yet", null);
    }
    return all.stream().filter(Replica::available).findFirst().orElse(all.getFirst());
  }

  /**
   * Makes the set these URLs: a replica already known is kept (its load, breaker and the prefixes
   * routed to it), a new one connected, one gone forgotten.
   */
  public synchronized void update(List<URI> urls) {
    if (urls.isEmpty()) {
      return; // a failed or empty DNS answer keeps the last known replicas
    }
    List<Replica> old = replicas;
    var next = new ArrayList<Replica>(urls.size());
    for (URI url : urls) {
      next.add(
          old.stream()
              .filter(r -> r.url().equals(url))
              .findFirst()
              .orElseGet(() -> connect.apply(url)));
    }
    Set<Replica> kept = Set.copyOf(next);
    old.stream().filter(r -> !kept.contains(r)).forEach(policy::removed);
    replicas = List.copyOf(next);
    policy.changed(replicas);
  }

  /** Ends what the policy runs (the kv-aware event streams). */
  public void close() {
    policy.close();
  }

  /** The routing policy (a test's view). */
  RoutingPolicy policy() {
    return policy;
  }
}
