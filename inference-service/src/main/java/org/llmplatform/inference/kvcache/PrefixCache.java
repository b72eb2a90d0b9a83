package org.llmplatform.inference.kvcache;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The KV of recent sequences, kept for prompts that start with them (the next turn of a
 * conversation): a bounded LRU of one-row caches keyed by a hash of their token sequence, holding
 * at most {@code budgetBytes}. A lookup hashes every prefix of the prompt and takes the longest
 * cached sequence whose tokens match (compared, not only hashed). Engine thread only.
 */
public final class PrefixCache implements AutoCloseable {

  /**
   * A cached sequence that is a prefix of the prompt.
   *
   * @param kv one row of {@code length} tokens
   */
  public record Hit(KvCache kv, int length) {}

  private record Entry(int[] tokens, KvCache kv, long bytes) {}

  private final long budgetBytes;
  private final long bytesPerToken;
  private final LinkedHashMap<Long, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  /**
   * @param budgetBytes bytes the cached KV may take
   * @param bytesPerToken KV bytes of one token of one sequence (layers × 2 × kv_heads × head_dim ×
   *     dtype)
   */
  public PrefixCache(long budgetBytes, long bytesPerToken) {
    if (budgetBytes < 0 || bytesPerToken <= 0) {
      throw new IllegalArgumentException("budgetBytes must be >= 0 and bytesPerToken > 0");
    }
    this.budgetBytes = budgetBytes;
    this.bytesPerToken = bytesPerToken;
  }

  /**
   * The longest cached sequence that is a proper prefix of {@code prompt} (at least one prompt
   * token is left to run, for the logits of the next token), or null.
   */
  public Hit lookup(int[] prompt) {
    Entry best = null;
    long h = 0;
    for (int i = 0; i < prompt.length - 1; i++) {
      h = step(h, prompt[i]);
      Entry e = entries.get(h);
      if (e != null
          && e.tokens.length == i + 1
          && Arrays.equals(e.tokens, 0, i + 1, prompt, 0, i + 1)) {
        best = e;
      }
    }
    return best == null ? null : new Hit(best.kv, best.tokens.length);
  }

  /** Whether a sequence of {@code tokens} tokens fits the budget at all. */
  public boolean fits(int tokens) {
    return tokens * bytesPerToken <= budgetBytes;
  }

  /**
   * Keeps {@code kv} (one row holding the KV of {@code tokens}; this cache owns and closes it),
   * evicting the least recently used sequences beyond the budget.
   */
  public void put(int[] tokens, KvCache kv) {
    long size = tokens.length * bytesPerToken;
    if (tokens.length == 0 || size > budgetBytes) {
      kv.close();
      return;
    }
    Entry old = entries.put(hash(tokens), new Entry(tokens.clone(), kv, size));
    if (old != null) {
      bytes -= old.bytes;
      old.kv.close();
    }
    bytes += size;
    Iterator<Map.Entry<Long, Entry>> lru = entries.entrySet().iterator();
    while (bytes > budgetBytes && lru.hasNext()) {
      Entry e = lru.next().getValue();
      lru.remove();
      bytes -= e.bytes;
      e.kv.close();
    }
  }

  public int size() {
    return entries.size();
  }

  public long bytes() {
    return bytes;
  }

  @Override
  public void close() {
    entries.values().forEach(e -> e.kv.close());
    entries.clear();
    bytes = 0;
  }

  static long hash(int[] tokens) {
    long h = 0;
    for (int t : tokens) {
      h = step(h, t);
    }
    return h;
  }

  private static long step(long h, int token) {
    long x = (h ^ (token + 0x9E3779B97F4A7C15L)) * 0xBF58476D1CE4E5B9L;
    return x ^ (x >>> 31);
  }
}
