package org.llmplatform.gateway.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.llmplatform.api.inference.PrefixBlocks;
import org.llmplatform.gateway.GatewayProperties;

/**
 * Routes on the prefix cache: a request goes to the candidate holding the longest prefix of its
 * prompt, among those under their bounded load; a request no such candidate holds any of goes by
 * {@link SessionAffinity}, so that a session's first turn and prompts sharing their first tokens
 * still land together. What each replica holds is a {@link PrefixIndex} of prefix blocks ({@link
 * PrefixBlocks}, {@code blockTokens} tokens each) fed by each replica's KV-cache events ({@link
 * KvEventFeed}: the prefixes it can serve, as blocks, stored and evicted, and its load), and by
 * where this gateway sent each prompt: for a replica that publishes events, a guess until its own
 * event arrives, at most {@code routedTtl}; for one that does not (or while its stream is down),
 * the only knowledge, as SGLang's cache-aware router keeps it. Feeds run only while the model has
 * several replicas.
 */
final class KvAware implements RoutingPolicy {

  private final double loadFactor;
  private final int blockTokens;
  private final boolean followEvents;
  private final long routedTtlNanos;
  private final SessionAffinity fallback;
  private final PrefixIndex index;
  private final Map<Replica, KvEventFeed> feeds = new ConcurrentHashMap<>();
  private final PrefixIndex.GuessRule guesses;

  KvAware(GatewayProperties.Routing routing) {
    this.loadFactor = routing.loadFactor();
    this.blockTokens = routing.blockTokens();
    this.followEvents = routing.kvEvents();
    this.routedTtlNanos = routing.routedTtl().toNanos();
    this.fallback = new SessionAffinity(loadFactor, blockTokens);
    this.index = new PrefixIndex(routing.indexBlocks());
    this.guesses =
        (replica, at) -> {
          KvEventFeed feed = feeds.get(replica);
          return feed == null || !feed.live() || System.nanoTime() - at < routedTtlNanos;
        };
  }

  @Override
  public Replica choose(RouteKey key, List<Replica> candidates, List<Replica> all) {
    int[] cached = cached(key.promptIds(), candidates);
    int capacity = RoutingPolicy.capacity(candidates, loadFactor);
    int most = 0;
    for (int i = 0; i < cached.length; i++) {
      if (candidates.get(i).load() < capacity) {
        most = Math.max(most, cached[i]);
      }
    }
    if (most == 0) {
      return fallback.choose(key, candidates, all);
    }
    var longest = new ArrayList<Replica>(candidates.size());
    for (int i = 0; i < cached.length; i++) {
      if (cached[i] == most && candidates.get(i).load() < capacity) {
        longest.add(candidates.get(i));
      }
    }
    // several hold it (a shared system prompt): the session's own replica among them
    return longest.size() == 1 ? longest.getFirst() : fallback.choose(key, longest, all);
  }

  /**
   * Remembers where the prompt went. For a replica that publishes, as its event will say it: the
   * prompt's last whole block (it will cache the prompt and its answer); for one that does not,
   * every block, as before the events.
   */
  @Override
  public void routed(RouteKey key, Replica replica) {
    long[] blocks = blocks(key);
    KvEventFeed feed = feeds.get(replica);
    if (feed != null && feed.live() && blocks.length > 1) {
      blocks = new long[] {blocks[blocks.length - 1]};
    }
    index.guessed(replica, blocks, System.nanoTime());
  }

  @Override
  public void changed(List<Replica> all) {
    if (all.size() < 2) { // one replica: nothing to choose, so nothing followed or kept
      feeds.keySet().forEach(this::stopFeed);
      all.forEach(index::forget);
      return;
    }
    if (!followEvents) {
      return;
    }
    for (Replica r : all) {
      feeds.computeIfAbsent(r, replica -> new KvEventFeed(replica, index, blockTokens));
    }
  }

  @Override
  public void removed(Replica replica) {
    stopFeed(replica);
    index.forget(replica);
  }

  private void stopFeed(Replica replica) {
    KvEventFeed feed = feeds.remove(replica);
    if (feed != null) {
      feed.dispose();
    }
  }

  @Override
  public void close() {
    feeds.keySet().forEach(this::stopFeed);
  }

  /** For each candidate, the prompt's blocks it holds from the start, by events or guess. */
  int[] cached(List<Integer> prompt, List<Replica> candidates) {
    return index.cached(PrefixBlocks.hashes(prompt, blockTokens), candidates, guesses);
  }

  private long[] blocks(RouteKey key) {
    return PrefixBlocks.hashes(key.promptIds(), blockTokens);
  }

  int indexed() {
    return index.size();
  }

  /** The replica's feed, or null (a test's view). */
  KvEventFeed feed(Replica replica) {
    return feeds.get(replica);
  }

  PrefixIndex index() {
    return index;
  }
}
