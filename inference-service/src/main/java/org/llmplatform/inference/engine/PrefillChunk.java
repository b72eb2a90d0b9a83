package org.llmplatform.inference.engine;

/** The checks every executor's {@link ModelExecutor#prefillChunk} makes before it runs a chunk. */
final class PrefillChunk {

  private PrefillChunk() {}

  /**
   * Checks that {@code [from, to)} is a non-empty chunk of the prompt and, past the first chunk,
   * that the prefill cache holds exactly the {@code from} tokens before it.
   *
   * @param cachedTokens tokens now in the prefill cache
   */
  static void check(int[] promptIds, int from, int to, int cachedTokens) {
    if (from < 0 || to <= from || to > promptIds.length) {
      throw new IllegalArgumentException(
          "chunk [" + from + ", " + to + ") of a " + promptIds.length + "-token prompt");
    }
    if (from > 0 && cachedTokens != from) {
      throw new IllegalStateException(
          "the prefill cache holds " + cachedTokens + " tokens, the chunk starts at " + from);
    }
  }
}
