package org.llmplatform.api.inference;

import java.util.List;

/**
 * The block hashes of a token sequence, the one function both sides of KV-cache-aware routing use:
 * inference-service names the blocks its prefix cache holds with them ({@link KvEvent}), and the
 * gateway hashes a prompt the same way to find the replica holding its longest prefix. Block {@code
 * i} covers tokens {@code [0, (i + 1) · blockTokens)}: each hash chains the previous one, so equal
 * hashes mean equal prefixes (up to 64-bit collisions), not only equal blocks. Only whole blocks
 * are hashed. The hash is FNV-1a over the token ids, seeded with the previous block's hash and
 * finished with SplitMix64's mix (the gateway's routing hash before replicas published their
 * blocks).
 */
public final class PrefixBlocks {

  /** Tokens per block, on both sides; a replica announces its own in {@link KvSnapshot}. */
  public static final int TOKENS = 16;

  private static final long OFFSET = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;

  private PrefixBlocks() {}

  /** The hash of each whole block of {@code tokens}, in order. */
  public static long[] hashes(int[] tokens, int blockTokens) {
    long[] out = new long[tokens.length / blockTokens];
    long h = 0;
    for (int i = 0; i < out.length; i++) {
      h = chain(h, tokens, i * blockTokens, (i + 1) * blockTokens);
      out[i] = h;
    }
    return out;
  }

  /** The hash of each whole block of {@code tokens}, in order (the same as the array's). */
  public static long[] hashes(List<Integer> tokens, int blockTokens) {
    return hashes(ids(tokens, 0, tokens.size()), blockTokens);
  }

  /** The hash of {@code tokens[from, to)} continuing from {@code previous} (0 for the first). */
  public static long chain(long previous, int[] tokens, int from, int to) {
    long h = previous ^ OFFSET;
    for (int i = from; i < to; i++) {
      h = (h ^ tokens[i]) * PRIME;
    }
    return mix(h);
  }

  /** The hash of {@code tokens[from, to)} continuing from {@code previous} (0 for the first). */
  public static long chain(long previous, List<Integer> tokens, int from, int to) {
    return chain(previous, ids(tokens, from, to), 0, to - from);
  }

  private static int[] ids(List<Integer> tokens, int from, int to) {
    int[] out = new int[to - from];
    for (int i = from; i < to; i++) {
      out[i - from] = tokens.get(i);
    }
    return out;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
