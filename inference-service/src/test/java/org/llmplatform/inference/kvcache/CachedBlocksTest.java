package org.llmplatform.inference.kvcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.inference.PrefixBlocks;
import org.llmplatform.inference.kvcache.PrefixCacheTest.TrackedKv;

/**
 * The prefix blocks a {@link PrefixCache} reports: the last whole 16-token block of each cached
 * sequence (the prefix a prompt must extend for a hit), counted over the sequences that end with
 * it, stored at the first and removed with the last; checked on hand-made cases and against a plain
 * recount of the cache's contents on random traffic.
 */
class CachedBlocksTest {

  /** Records what the cache reports, in order, and the set it implies. */
  static final class Recorder implements PrefixBlockListener {
    final List<String> events = new ArrayList<>();
    final Map<Long, Integer> held = new HashMap<>();

    @Override
    public void stored(long block) {
      events.add("+" + block);
      assertThat(held.put(block, 1)).as("stored twice").isNull();
    }

    @Override
    public void removed(long block) {
      events.add("-" + block);
      assertThat(held.remove(block)).as("removed while not held").isNotNull();
    }
  }

  @Test
  void eachSequenceStoresItsLastWholeBlock() {
    var blocks = new Recorder();
    var cache = new PrefixCache(1_000_000, 1, blocks);
    int[] turn1 = tokens(1, 40); // blocks 0, 1 (tokens 32..39 are no whole block)
    int[] turn2 = concat(turn1, tokens(2, 30)); // 70 tokens: blocks 0..3
    long[] h1 = PrefixBlocks.hashes(turn1, 16);
    long[] h2 = PrefixBlocks.hashes(turn2, 16);
    assertThat(h2).startsWith(h1);

    cache.put(turn1, new TrackedKv());
    assertThat(blocks.events).containsExactly("+" + h1[1]);
    cache.put(turn2, new TrackedKv());
    assertThat(blocks.events).containsExactly("+" + h1[1], "+" + h2[3]);
    assertThat(cache.blocks()).isEqualTo(2);
    // a prompt sharing only the first block extends no cached sequence: nothing says it is held
    assertThat(blocks.held).doesNotContainKey(h1[0]);
  }

  @Test
  void aBlockTwoSequencesEndWithIsRemovedWithTheLastOfThem() {
    var blocks = new Recorder();
    var cache = new PrefixCache(100, 1, blocks); // 100 tokens
    int[] a = tokens(1, 40);
    int[] b = concat(Arrays.copyOf(a, 32), tokens(9, 5)); // the same two blocks, another tail
    long last = PrefixBlocks.hashes(a, 16)[1];
    cache.put(a, new TrackedKv());
    cache.put(b, new TrackedKv());
    assertThat(blocks.events).containsExactly("+" + last);

    assertThat(cache.lookup(concat(b, new int[] {1})).length()).isEqualTo(37);
    cache.put(tokens(5, 40), new TrackedKv()); // 117 tokens > 100: a, the least recent, goes
    assertThat(blocks.held).containsKey(last); // b still ends with it
    cache.put(tokens(6, 40), new TrackedKv()); // and now b
    assertThat(blocks.events).contains("-" + last);

    cache.close();
    assertThat(blocks.held).isEmpty();
  }

  @Test
  void puttingTheSameSequenceAgainReportsNothing() {
    var blocks = new Recorder();
    var cache = new PrefixCache(1000, 1, blocks);
    int[] a = tokens(3, 64);
    cache.put(a, new TrackedKv());
    blocks.events.clear();
    cache.put(a, new TrackedKv());
    assertThat(blocks.events).isEmpty();
    assertThat(blocks.held).hasSize(1);
  }

  @Test
  void shortSequencesAndOnesOverTheBudgetHoldNoBlock() {
    var blocks = new Recorder();
    var cache = new PrefixCache(100, 1, blocks);
    cache.put(tokens(1, 15), new TrackedKv());
    cache.put(tokens(2, 101), new TrackedKv()); // over the budget: not kept
    assertThat(blocks.events).isEmpty();
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void theReportedBlocksAreAlwaysThoseOfTheCachedSequences() {
    var random = new Random(21);
    var blocks = new Recorder();
    var cache = new PrefixCache(2_000, 1, blocks);
    var conversations = new ArrayList<int[]>();
    for (int step = 0; step < 2_000; step++) {
      int[] next;
      if (!conversations.isEmpty() && random.nextInt(3) > 0) { // a conversation goes on
        int c = random.nextInt(conversations.size());
        next = concat(conversations.get(c), tokens(random.nextInt(50), 5 + random.nextInt(60)));
        conversations.set(c, next.length > 600 ? tokens(random.nextInt(50), 20) : next);
      } else { // a new one, often after a shared system prompt
        next =
            concat(
                random.nextBoolean() ? tokens(0, 20) : new int[0],
                tokens(random.nextInt(1000), 10 + random.nextInt(40)));
        conversations.add(next);
      }
      cache.put(next, new TrackedKv());
      assertThat(blocks.held.keySet()).isEqualTo(recount(cache));
    }
  }

  /** The last whole blocks of the sequences the cache holds now. */
  private static java.util.Set<Long> recount(PrefixCache cache) {
    var out = new java.util.HashSet<Long>();
    for (int[] tokens : cache.sequences()) {
      long[] all = PrefixBlocks.hashes(tokens, 16);
      if (all.length > 0) {
        out.add(all[all.length - 1]);
      }
    }
    return out;
  }

  static int[] tokens(int seed, int length) {
    return IntStream.range(0, length).map(i -> (seed * 7919 + i * 31) % 1000).toArray();
  }

  static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
