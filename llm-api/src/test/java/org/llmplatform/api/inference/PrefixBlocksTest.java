package org.llmplatform.api.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The block hash both sides of KV-aware routing compute: inference-service over its cached
 * sequences' {@code int[]}, the gateway over a prompt's {@code List<Integer>}. Both agree with each
 * other and with a plain reference written from the definition (FNV-1a over the ids from the
 * previous block's hash, then SplitMix64's finaliser, in unbounded arithmetic cut to 64 bits).
 */
class PrefixBlocksTest {

  private static final BigInteger MASK = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  @Test
  void theArrayAndTheListGiveTheSameHashesAsTheReference() {
    var random = new Random(21);
    for (int trial = 0; trial < 300; trial++) {
      int[] tokens = random.ints(random.nextInt(200), 0, 150_000).toArray();
      int block = 1 + random.nextInt(32);
      List<Integer> list = Arrays.stream(tokens).boxed().toList();
      long[] reference = reference(tokens, block);
      assertThat(PrefixBlocks.hashes(tokens, block)).containsExactly(reference);
      assertThat(PrefixBlocks.hashes(list, block)).containsExactly(reference);
    }
  }

  @Test
  void onlyWholeBlocksAreHashedAndEachChainsItsPrefix() {
    int[] a = new int[40];
    int[] b = new int[40];
    Arrays.fill(a, 7);
    Arrays.fill(b, 7);
    b[20] = 8; // the second block differs
    long[] ha = PrefixBlocks.hashes(a, 16);
    long[] hb = PrefixBlocks.hashes(b, 16);
    assertThat(ha).hasSize(2);
    assertThat(hb[0]).isEqualTo(ha[0]);
    assertThat(hb[1]).isNotEqualTo(ha[1]);
    // the same block of tokens after another prefix is another block
    assertThat(ha[1]).isNotEqualTo(ha[0]);
    assertThat(PrefixBlocks.hashes(new int[15], 16)).isEmpty();
  }

  private static long[] reference(int[] tokens, int block) {
    long[] out = new long[tokens.length / block];
    BigInteger previous = BigInteger.ZERO;
    for (int i = 0; i < out.length; i++) {
      BigInteger h = previous.xor(unsigned(0xcbf29ce484222325L));
      for (int j = i * block; j < (i + 1) * block; j++) {
        h =
            h.xor(BigInteger.valueOf(tokens[j]).and(MASK))
                .multiply(BigInteger.valueOf(0x100000001b3L))
                .and(MASK);
      }
      h = finish(h);
      out[i] = h.longValue();
      previous = h;
    }
    return out;
  }

  private static BigInteger finish(BigInteger z) {
    z = z.xor(z.shiftRight(30)).multiply(unsigned(0xbf58476d1ce4e5b9L)).and(MASK);
    z = z.xor(z.shiftRight(27)).multiply(unsigned(0x94d049bb133111ebL)).and(MASK);
    return z.xor(z.shiftRight(31));
  }

  private static BigInteger unsigned(long v) {
    return new BigInteger(Long.toUnsignedString(v));
  }
}
