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

  /** 64-bit hashes of text: {@link PrefixBlocks}' FNV-1a and mix over its UTF-8 bytes. */
  static final class Hashing {

    private Hashing() {}

    static long of(String text) {
      byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
      int[] bytes = new int[utf8.length];
      for (int i = 0; i < utf8.length; i++) {
        bytes[i] = utf8[i] & 0xff;
      }
      return PrefixBlocks.chain(0, bytes, 0, bytes.length);
    }
  }
}
