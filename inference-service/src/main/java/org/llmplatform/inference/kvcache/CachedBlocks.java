package org.llmplatform.inference.kvcache;

import java.util.HashMap;
import java.util.Map;

/**
 * The prefix blocks the cached sequences hold, counted over the sequences (two can end with the
 * same block: the same tokens up to a partial last block): a block is stored when its count goes 0
 * → 1 and removed at 1 → 0, and only those changes reach the listener. Engine thread only.
 */
final class CachedBlocks {

  private final Map<Long, Integer> counts = new HashMap<>();
  private final PrefixBlockListener listener;

  CachedBlocks(PrefixBlockListener listener) {
    this.listener = listener;
  }

  /** A sequence holding these blocks came in. */
  void add(long[] blocks) {
    for (long block : blocks) {
      if (counts.merge(block, 1, Integer::sum) == 1) {
        listener.stored(block);
      }
    }
  }

  /** A sequence holding these blocks left. */
  void remove(long[] blocks) {
    for (long block : blocks) {
      Integer count = counts.get(block);
      if (count == null) {
        continue; // not counted: nothing to take back
      }
      if (count == 1) {
        counts.remove(block);
        listener.removed(block);
      } else {
        counts.put(block, count - 1);
      }
    }
  }

  /** Blocks held now. */
  int size() {
    return counts.size();
  }
}
