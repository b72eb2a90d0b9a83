package org.llmplatform.gateway.routing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import org.llmplatform.api.inference.PrefixBlocks;

/**
 * Consistent hashing with bounded loads: a request's key (its session id, else its prompt's first
 * tokens) is placed on a ring of the replicas' virtual nodes and goes to the first replica
 * clockwise that is available and under its bounded load. A replica leaving moves only its own
 * keys; one under heavy load passes its overflow to the next on the ring, not to all.
 */
final class SessionAffinity implements RoutingPolicy {

  private static final int VIRTUAL_NODES = 64;

  private final double loadFactor;
  private final int blockTokens;
  private volatile Ring ring = new Ring(List.of(), new TreeMap<>());

  private record Ring(List<Replica> replicas, TreeMap<Long, Replica> nodes) {}

  SessionAffinity(double loadFactor, int blockTokens) {
    this.loadFactor = loadFactor;
    this.blockTokens = blockTokens;
  }

  @Override
  public Replica choose(RouteKey key, List<Replica> candidates, List<Replica> all) {
    TreeMap<Long, Replica> nodes = ring(all).nodes();
    int capacity = RoutingPolicy.capacity(candidates, loadFactor);
    long h = keyHash(key);
    for (var arc : List.of(nodes.tailMap(h, true), nodes.headMap(h, false))) {
      for (Replica r : arc.values()) {
        if (candidates.contains(r) && r.load() < capacity) {
          return r;
        }
      }
    }
    return RoutingPolicy.leastLoaded(candidates, (int) h);
  }

  private Ring ring(List<Replica> all) {
    Ring current = ring;
    if (current.replicas() != all) {
      var nodes = new TreeMap<Long, Replica>();
      for (Replica r : all) {
        for (int i = 0; i < VIRTUAL_NODES; i++) {
          nodes.put(Hashing.of(r.url() + "#" + i), r);
        }
      }
      current = new Ring(all, nodes);
      ring = current;
    }
    return current;
  }

  private long keyHash(RouteKey key) {
    if (key.sessionId() != null) {
      return Hashing.of(key.sessionId());
    }
    List<Integer> ids = key.promptIds();
    return PrefixBlocks.chain(0, ids, 0, Math.min(blockTokens, ids.size()));
  }

  /** 64-bit hashes of text (FNV-1a, finished with SplitMix64's mix, as {@link PrefixBlocks}). */
  static final class Hashing {

    private static final long OFFSET = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private Hashing() {}

    static long of(String text) {
      long h = OFFSET;
      for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
        h = (h ^ (b & 0xff)) * PRIME;
      }
      return mix(h);
    }

    private static long mix(long z) {
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      return z ^ (z >>> 31);
    }
  }
}
