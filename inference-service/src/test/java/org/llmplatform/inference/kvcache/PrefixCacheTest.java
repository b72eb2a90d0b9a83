package org.llmplatform.inference.kvcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Longest-prefix lookup and the LRU byte budget of {@link PrefixCache}. */
class PrefixCacheTest {

  /** A stand-in for a one-row KV cache: only its closing matters here. */
  static final class TrackedKv implements KvCache {
    boolean closed;

    @Override
    public int rows() {
      return 1;
    }

    @Override
    public int pastLength() {
      return 0;
    }

    // no @Override: KvCache may lose bind to the IoBinding work, and this compiles either way
    public void bind(
        java.util.Map<String, ai.onnxruntime.OnnxTensorLike> inputs,
        java.util.Map<String, ai.onnxruntime.OnnxValue> outputs,
        int newTokens) {}

    @Override
    public void commit(int newTokens) {}

    @Override
    public void gather(List<KvRow> rows) {}

    @Override
    public void clear() {}

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void findsTheLongestCachedSequenceThatThePromptExtends() {
    var cache = new PrefixCache(1000, 10);
    var shortKv = new TrackedKv();
    var longKv = new TrackedKv();
    cache.put(new int[] {5, 6}, shortKv);
    cache.put(new int[] {5, 6, 7, 8}, longKv);
    cache.put(new int[] {9, 9, 9}, new TrackedKv());

    var hit = cache.lookup(new int[] {5, 6, 7, 8, 1, 2});
    assertThat(hit.kv()).isSameAs(longKv);
    assertThat(hit.length()).isEqualTo(4);
    assertThat(cache.lookup(new int[] {5, 6, 7, 1}).kv()).isSameAs(shortKv);
    // a whole prompt cached leaves nothing to run for the next token's logits: the shorter one
    assertThat(cache.lookup(new int[] {5, 6, 7, 8}).kv()).isSameAs(shortKv);
    assertThat(cache.lookup(new int[] {5, 7, 6})).isNull();
    assertThat(cache.lookup(new int[] {6, 5, 6, 7, 8})).isNull();
  }

  @Test
  void evictsTheLeastRecentlyUsedBeyondTheBudget() {
    var cache = new PrefixCache(100, 10); // 10 tokens
    var a = new TrackedKv();
    var b = new TrackedKv();
    var c = new TrackedKv();
    cache.put(new int[] {1, 1, 1, 1}, a);
    cache.put(new int[] {2, 2, 2, 2}, b);
    assertThat(cache.lookup(new int[] {1, 1, 1, 1, 3}).kv()).isSameAs(a); // a is now recent
    cache.put(new int[] {3, 3, 3, 3}, c);
    assertThat(b.closed).isTrue();
    assertThat(a.closed).isFalse();
    assertThat(cache.lookup(new int[] {2, 2, 2, 2, 3})).isNull();
    assertThat(cache.bytes()).isEqualTo(80);
    assertThat(cache.size()).isEqualTo(2);

    var tooBig = new TrackedKv();
    cache.put(new int[11], tooBig);
    assertThat(tooBig.closed).isTrue();
    assertThat(cache.size()).isEqualTo(2);
  }

  @Test
  void theSameSequenceAgainReplacesItsEntry() {
    var cache = new PrefixCache(100, 10);
    var first = new TrackedKv();
    var second = new TrackedKv();
    cache.put(new int[] {4, 4}, first);
    cache.put(new int[] {4, 4}, second);
    assertThat(first.closed).isTrue();
    assertThat(cache.lookup(new int[] {4, 4, 4}).kv()).isSameAs(second);
    assertThat(cache.bytes()).isEqualTo(20);
  }
}
