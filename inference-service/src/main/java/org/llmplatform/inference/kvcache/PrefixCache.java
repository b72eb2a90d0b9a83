package org.llmplatform.inference.kvcache;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.llmplatform.api.inference.PrefixBlocks;

/**
 * The KV of recent sequences, kept for prompts that start with them (the next turn of a
 * conversation): a bounded LRU of one-row caches keyed by a hash of their token sequence, holding
 * at most {@code budgetBytes}. A lookup hashes every prefix of the prompt and takes the longest
 * cached sequence whose tokens match (compared, not only hashed). It also tracks which prefixes it
 * can serve, as {@link PrefixBlocks}: the last whole block of each sequence (a hit needs the prompt
 * to extend a whole sequence, so a block inside one, e.g. a first block many prompts share,
 * promises nothing), counted over the sequences, and tells a {@link PrefixBlockListener} when one
 * comes or goes: what the gateway routes on. Engine thread only.
 */
public final class PrefixCache implements AutoCloseable {

  /**
   * A cached sequence that is a prefix of the prompt.
   *
   * @param kv one row of {@code length} tokens
   */
  public record Hit(KvCache kv, int length) {}

  private record Entry(int[] tokens, long[] blocks, KvCache kv, long bytes) {}

  private final long budgetBytes;
  private final long bytesPerToken;
  private final LinkedHashMap<Long, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private final CachedBlocks blocks;
  private long bytes;

  /**
   * @param budgetBytes bytes the cached KV may take
   * @param bytesPerToken KV bytes of one token of one sequence (layers × 2 × kv_heads × head_dim ×
   *     dtype)
   */
  public PrefixCache(long budgetBytes, long bytesPerToken) {
    this(budgetBytes, bytesPerToken, PrefixBlockListener.NONE);
  }

  /**
   * @param listener told of each block the cache starts or stops holding
   */
  public PrefixCache(long budgetBytes, long bytesPerToken, PrefixBlockListener listener) {
    if (budgetBytes < 0 || bytesPerToken <= 0) {
      throw new IllegalArgumentException("budgetBytes must be >= 0 and bytesPerToken > 0");
    }
    this.budgetBytes = budgetBytes;
    this.bytesPerToken = bytesPerToken;
    this.blocks = new CachedBlocks(listener);
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
    var entry = new Entry(tokens.clone(), lastBlock(tokens), kv, size);
    blocks.add(entry.blocks); // before the old twin leaves: its blocks are not removed and stored
    Entry old = entries.put(hash(tokens), entry);
    if (old != null) {
      drop(old);
    }
    bytes += size;
    Iterator<Map.Entry<Long, Entry>> lru = entries.entrySet().iterator();
    while (bytes > budgetBytes && lru.hasNext()) {
      Entry e = lru.next().getValue();
      lru.remove();
      drop(e);
    }
  }

  /** The hash of the sequence's last whole block, or none when it is shorter than a block. */
  private static long[] lastBlock(int[] tokens) {
    long[] all = PrefixBlocks.hashes(tokens, PrefixBlocks.TOKENS);
    return all.length == 0 ? all : new long[] {all[all.length - 1]};
  }

  private void drop(Entry e) {
    bytes -= e.bytes;
    blocks.remove(e.blocks);
    e.kv.close();
  }

  public int size() {
    return entries.size();
  }

  public long bytes() {
    return bytes;
  }

  /** The cached sequences' tokens, least recently used first (a test's view). */
  java.util.List<int[]> sequences() {
    return entries.values().stream().map(e -> e.tokens.clone()).toList();
  }

  /** Prefix blocks the cached sequences end with. */
  public int blocks() {
    return blocks.size();
  }

  /** Closes every cached sequence; their blocks are removed. */
  @Override
  public void close() {
    entries.values().forEach(this::drop);
    entries.clear();
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
