package org.llmplatform.inference.kvcache;

import java.lang.foreign.MemorySegment;

/**
 * The native blocks of a KV cache in a {@link KvMemory}: two sides, and per side one block per
 * layer and kind (slot {@code layer * 2 + kind}). Blocks only grow, to at least twice their size,
 * so growth is rare; they are freed on {@link #close()}. Engine thread only.
 */
final class KvBlocks implements AutoCloseable {

  private final KvMemory memory;
  private final MemorySegment[][] blocks;
  private final long[][] sizes;

  KvBlocks(KvMemory memory, int slots) {
    this.memory = memory;
    this.blocks = new MemorySegment[2][slots];
    this.sizes = new long[2][slots];
  }

  /** The block of {@code side} and {@code slot}, or null before the first {@link #ensure}. */
  MemorySegment get(int side, int slot) {
    return blocks[side][slot];
  }

  /**
   * The block of {@code side} and {@code slot}, of at least {@code bytes}.
   *
   * @param keep whether a block that grows keeps its contents (the live side)
   */
  MemorySegment ensure(int side, int slot, long bytes, boolean keep) {
    MemorySegment block = blocks[side][slot];
    long have = sizes[side][slot];
    if (block == null || have < bytes) {
      long grown = Math.max(Math.max(bytes, 2 * have), 64);
      MemorySegment fresh = memory.allocate(grown);
      if (block != null) {
        if (keep) {
          memory.copy(block, 0, fresh, 0, have);
          memory.synchronize();
        }
        memory.free(block);
      }
      blocks[side][slot] = fresh;
      sizes[side][slot] = grown;
      block = fresh;
    }
    return block;
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
