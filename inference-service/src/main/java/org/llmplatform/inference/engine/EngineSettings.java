package org.llmplatform.inference.engine;

/**
 * Engine limits.
 *
 * @param maxBatchSize rows (sequences, beams count one each) decoded together
 * @param maxQueue requests that may wait for admission; more are refused (429)
 * @param kvCacheBytes KV budget in bytes; a sequence takes layers × 2 × kv_heads × context ×
 *     head_dim × dtype
 * @param prefillChunk prompt tokens prefilled per engine iteration, between two decode steps, so
 *     that a long prompt does not stall the running streams; 0 prefills every prompt in one pass
 * @param prefixCacheBytes KV bytes kept of finished sequences for prompts that start with them
 *     (prefix reuse across turns); 0 turns it off
 * @param maxChoices choices (n) one request may ask for; its prompt is prefilled once and forked
 *     into n decoding rows
 */
public record EngineSettings(
    int maxBatchSize,
    int maxQueue,
    long kvCacheBytes,
    int prefillChunk,
    long prefixCacheBytes,
    int maxChoices) {

  /** The default of {@link #maxChoices()}. */
  public static final int DEFAULT_MAX_CHOICES = 8;

  public EngineSettings {
    if (maxBatchSize < 1 || maxQueue < 1 || kvCacheBytes < 1 || maxChoices < 1) {
      throw new IllegalArgumentException(
          "maxBatchSize, maxQueue, kvCacheBytes and maxChoices must be >= 1");
    }
    if (prefillChunk < 0 || prefixCacheBytes < 0) {
      throw new IllegalArgumentException("prefillChunk and prefixCacheBytes must be >= 0");
    }
  }

  /** Up to {@link #DEFAULT_MAX_CHOICES} choices per request. */
  public EngineSettings(
      int maxBatchSize, int maxQueue, long kvCacheBytes, int prefillChunk, long prefixCacheBytes) {
    this(maxBatchSize, maxQueue, kvCacheBytes, prefillChunk, prefixCacheBytes, DEFAULT_MAX_CHOICES);
  }

  /** No prefix reuse. */
  public EngineSettings(int maxBatchSize, int maxQueue, long kvCacheBytes, int prefillChunk) {
    this(maxBatchSize, maxQueue, kvCacheBytes, prefillChunk, 0);
  }

  /** Prompts prefilled in one pass. */
  public EngineSettings(int maxBatchSize, int maxQueue, long kvCacheBytes) {
    this(maxBatchSize, maxQueue, kvCacheBytes, 0, 0);
  }
}
