package org.llmplatform.inference.engine;

import java.util.List;
import org.llmplatform.inference.kvcache.KvCache;
import org.llmplatform.inference.kvcache.KvCache.KvRow;
import org.llmplatform.inference.kvcache.PrefixBlockListener;
import org.llmplatform.inference.kvcache.PrefixCache;
import org.llmplatform.inference.runtime.ModelSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's side of prefix reuse: finished sequences go into a {@link PrefixCache}, and a
 * prompt's prefill starts from the longest cached sequence it begins with. Engine thread only.
 */
final class PrefixReuse implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PrefixReuse.class);

  private final ModelExecutor executor;
  private final EngineMetrics metrics;
  private final PrefixCache cache;

  private PrefixReuse(ModelExecutor executor, EngineMetrics metrics, PrefixCache cache) {
    this.executor = executor;
    this.metrics = metrics;
    this.cache = cache;
  }

  /**
   * Prefix reuse within {@code prefixCacheBytes}; null when off or the executor cannot make spare
   * caches. The caller has checked that the executor prefills chunks on top of a past.
   *
   * @param blocks told of each prefix block the cache starts or stops holding
   */
  static PrefixReuse of(
      ModelExecutor executor,
      EngineSettings settings,
      EngineMetrics metrics,
      PrefixBlockListener blocks) {
    if (settings.prefixCacheBytes() <= 0) {
      return null;
    }
    try {
      executor.newKvCache().close();
    } catch (UnsupportedOperationException e) {
      log.warn("Prefix reuse is off: {}", e.getMessage());
      return null;
    }
    ModelSpec spec = executor.spec();
    long bytesPerToken = spec.kvBytesPerSlot() / spec.contextLength();
    return new PrefixReuse(
        executor, metrics, new PrefixCache(settings.prefixCacheBytes(), bytesPerToken, blocks));
  }

  /** The longest cached sequence that {@code prompt} begins with, or null. */
  PrefixCache.Hit lookup(int[] prompt) {
    PrefixCache.Hit hit = cache.lookup(prompt);
    metrics.prefixCacheQueried(prompt.length, hit == null ? 0 : hit.length());
    return hit;
  }

  /** Loads a hit into the prefill cache: a prompt's prefill goes on from there. */
  void load(PrefixCache.Hit hit) {
    executor.prefillCache().gather(List.of(new KvRow(hit.kv(), 0, hit.length())));
  }

  /** Keeps a finished request's KV (row {@code row} of {@code source}) for prompts extending it. */
  void keep(ActiveRequest a, KvCache source, int row) {
    if ((a.finish != FinishReason.STOP && a.finish != FinishReason.LENGTH)
        || !cache.fits(a.kvLength)) {
      return;
    }
    int[] tokens = a.kvTokens();
    if (tokens == null || tokens.length == 0) {
      return;
    }
    KvCache kv = executor.newKvCache();
    kv.gather(List.of(new KvRow(source, row, tokens.length)));
    cache.put(tokens, kv);
  }

  @Override
  public void close() {
    cache.close();
  }
}
