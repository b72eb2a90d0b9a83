package org.llmplatform.inference.engine;

/**
 * Engine limits.
 *
 * @param maxBatchSize rows (sequences, beams count one each) decoded together
 * @param maxQueue requests that may wait for admission; more are refused (429)
 * @param kvCacheBytes KV budget in bytes; a sequence takes layers × 2 × kv_heads × context ×
 *     head_dim × dtype
 */
public record EngineSettings(int maxBatchSize, int maxQueue, long kvCacheBytes) {
  public EngineSettings {
    if (maxBatchSize < 1 || maxQueue < 1 || kvCacheBytes < 1) {
      throw new IllegalArgumentException("maxBatchSize, maxQueue and kvCacheBytes must be >= 1");
    }
  }
}
