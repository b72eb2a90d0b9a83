package org.llmplatform.gateway.routing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmplatform.gateway.routing.SessionAffinity.Hashing;

/**
 * Routes on the prefix cache: the gateway remembers, block by block of {@code blockTokens} tokens,
 * which replica it last sent each prompt prefix to (whose prefix cache then holds it), and sends a
 * request to the replica holding its longest prefix, unless that replica is over its bounded load.
 * A request with no known prefix, or whose replica is too busy, goes by {@link SessionAffinity}, so
 * that a session's first turn and prompts sharing their first tokens still land together. The index
 * is an approximation of the replicas' caches (the way SGLang's cache-aware router keeps one):
 * bounded to {@code indexBlocks} blocks, least recently used forgotten, and a replica's entries
 * dropped when it leaves.
 */
final class KvAware implements RoutingPolicy {

  private final double loadFactor;
  private final int blockTokens;
  private final SessionAffinity fallback;
  private final Map<Long, Replica> index;

  KvAware(double loadFactor, int blockTokens, int indexBlocks) {
    this.loadFactor = loadFactor;
    this.blockTokens = blockTokens;
    this.fallback = new SessionAffinity(loadFactor, blockTokens);
    this.index =
        new LinkedHashMap<>(1024, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Long, Replica> eldest) {
            return size() > indexBlocks;
          }
        };
  }

  @Override
  public Replica choose(RouteKey key, List<Replica> candidates, List<Replica> all) {
    long[] blocks = blocks(key.promptIds());
    Replica holder = null;
    synchronized (index) {
      for (long block : blocks) {
        Replica r = index.get(block);
        if (r == null) {
          break; // a later block cannot be cached without this one
        }
        if (candidates.contains(r)) {
          holder = r;
        }
      }
    }
    if (holder != null && holder.load() < RoutingPolicy.capacity(candidates, loadFactor)) {
      return holder;
    }
    return fallback.choose(key, candidates, all);
  }

  @Override
  public void routed(RouteKey key, Replica replica) {
    long[] blocks = blocks(key.promptIds());
    synchronized (index) {
      for (long block : blocks) {
        index.put(block, replica);
      }
    }
  }

  @Override
  public void removed(Replica replica) {
    synchronized (index) {
      index.values().removeIf(r -> r == replica);
    }
  }

  /** The chained hash of each whole block of the prompt: block i covers tokens [0, (i+1)·B). */
  private long[] blocks(List<Integer> ids) {
    long[] out = new long[ids.size() / blockTokens];
    long h = 0;
    for (int i = 0; i < out.length; i++) {
      h = Hashing.tokens(h, ids, i * blockTokens, (i + 1) * blockTokens);
      out[i] = h;
    }
    return out;
  }

  int indexed() {
    synchronized (index) {
      return index.size();
    }
  }
}
