package org.llmplatform.inference.kvcache;

/**
 * The KV cache budget in bytes, counted in slots of one full-context sequence (layers × 2 ×
 * kv_heads × context × head_dim × dtype size). Admission waits while no slot is free. Engine thread
 * only.
 */
public final class KvBudget {

  private final long bytesPerSlot;
  private final int slots;
  private int inUse;

  /**
   * @param budgetBytes bytes the KV cache may use
   * @param bytesPerSlot bytes of one full-context sequence
   * @param maxSlots cap from the batch size
   */
  public KvBudget(long budgetBytes, long bytesPerSlot, int maxSlots) {
    if (bytesPerSlot <= 0) {
      throw new IllegalArgumentException("bytesPerSlot must be > 0");
    }
    long fit = budgetBytes / bytesPerSlot;
    if (fit < 1) {
      throw new IllegalArgumentException(
          "llm.inference.kv-cache-bytes="
              + budgetBytes
              + " holds no sequence; one needs "
              + bytesPerSlot
              + " bytes");
    }
    this.bytesPerSlot = bytesPerSlot;
    this.slots = (int) Math.min(maxSlots, fit);
  }

  /** Takes {@code n} slots when free. */
  public boolean tryAcquire(int n) {
    if (inUse + n > slots) {
      return false;
    }
    inUse += n;
    return true;
  }

  public void release(int n) {
    if (n > inUse) {
      throw new IllegalStateException("releasing " + n + " of " + inUse + " slots");
    }
    inUse -= n;
  }

  public int slots() {
    return slots;
  }

  public int inUse() {
    return inUse;
  }

  public long bytesInUse() {
    return inUse * bytesPerSlot;
  }
}
