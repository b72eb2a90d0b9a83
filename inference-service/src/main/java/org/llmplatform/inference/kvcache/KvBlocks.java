package org.llmplatform.inference.kvcache;

import java.lang.foreign.MemorySegment;

/**
 * The native blocks of a KV cache in a {@link KvMemory}: two sides, and per side one block per
 * layer and kind (slot {@code layer * 2 + kind}). Blocks only grow: to the size {@link #reserve}d
 * before serving, else to at least twice their size, so growth is rare; a block that grows keeps
 * only the live bytes its cache names. They are freed on {@link #close()}. Engine thread only.
 */
final class KvBlocks implements AutoCloseable {

  private final KvMemory memory;
  private final boolean pageIn;
  private final MemorySegment[][] blocks;
  private final long[][] sizes;

  /**
   * @param pageIn whether a fresh host block is zeroed at once so that its pages are mapped then
   *     (the in-place cache, which reserves the whole context at warm-up and would otherwise fault
   *     in pages across each row's context); else left untouched, mapped as it is first written
   */
  KvBlocks(KvMemory memory, int slots, boolean pageIn) {
    this.memory = memory;
    this.pageIn = pageIn && memory.memoryInfo().isHost();
    this.blocks = new MemorySegment[2][slots];
    this.sizes = new long[2][slots];
  }

  /** The block of {@code side} and {@code slot}, or null before the first {@link #ensure}. */
  MemorySegment get(int side, int slot) {
    return blocks[side][slot];
  }

  /**
   * The block of {@code side} and {@code slot}, of at least {@code bytes}; one that grows takes at
   * least twice its size.
   *
   * @param keep bytes at the start of a block that grows to carry over (the live past), 0 for none
   */
  MemorySegment ensure(int side, int slot, long bytes, long keep) {
    long have = sizes[side][slot];
    if (blocks[side][slot] == null || have < bytes) {
      grow(side, slot, Math.max(Math.max(bytes, 2 * have), 64), keep);
    }
    return blocks[side][slot];
  }

  /**
   * Grows the block of {@code side} and {@code slot} to exactly {@code bytes} when smaller: room
   * laid out before serving, so that a step never allocates.
   *
   * @param keep bytes at the start to carry over, 0 for none
   */
  void reserve(int side, int slot, long bytes, long keep) {
    if (blocks[side][slot] == null || sizes[side][slot] < bytes) {
      grow(side, slot, Math.max(bytes, 64), keep);
    }
  }

  /**
   * {@link #reserve}s every block of both sides to {@code bytes}; the {@code current} side's blocks
   * carry over their first {@code live} bytes (the live past), the other side's nothing.
   */
  void reserveAll(long bytes, int current, long live) {
    for (int side = 0; side < 2; side++) {
      for (int slot = 0; slot < blocks[side].length; slot++) {
        reserve(side, slot, bytes, side == current ? live : 0);
      }
    }
  }

  private void grow(int side, int slot, long size, long keep) {
    MemorySegment block = blocks[side][slot];
    MemorySegment fresh = memory.allocate(size);
    if (pageIn) {
      memory.zero(fresh, 0, size);
    }
    if (block != null) {
      if (keep > 0) {
        memory.copy(block, 0, fresh, 0, Math.min(keep, sizes[side][slot]));
        memory.synchronize();
      }
      memory.free(block);
    }
    blocks[side][slot] = fresh;
    sizes[side][slot] = size;
  }

  /** Frees the blocks (the memory itself belongs to the executor). */
  @Override
  public void close() {
    for (int side = 0; side < 2; side++) {
      for (int slot = 0; slot < blocks[side].length; slot++) {
        if (blocks[side][slot] != null) {
          memory.free(blocks[side][slot]);
          blocks[side][slot] = null;
          sizes[side][slot] = 0;
        }
      }
    }
  }
}
