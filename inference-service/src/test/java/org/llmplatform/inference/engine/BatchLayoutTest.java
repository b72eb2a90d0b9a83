package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.llmplatform.inference.naive.TokenKvCache;
import org.llmplatform.inference.sampling.SamplingParams;

/**
 * Row placement on a cache whose rows hold tokens: a join appends the prompt's rows, a re-pack
 * drops ended sequences and copies beams from their parents, and a step where no row moves gathers
 * nothing.
 */
class BatchLayoutTest {

  private final TokenKvCache cache = new TokenKvCache();
  private final BatchLayout layout = new BatchLayout(cache);

  /** A decoding sequence of {@code rows} rows whose KV holds {@code kvLength} tokens. */
  private static ActiveRequest sequence(int rows, int kvLength) {
    var request = new GenerationRequest(new int[] {1}, SamplingParams.greedy(8, Set.of()), null);
    var a = new ActiveRequest(request, 0, 64, EngineMetrics.NONE);
    a.lastTokens = new int[rows];
    a.kvLength = kvLength;
    a.state = RequestState.DECODING;
    return a;
  }

  private static TokenKvCache prompt(int... tokens) {
    var p = new TokenKvCache();
    p.reset(tokens);
    return p;
  }

  @Test
  void joinsAppendOneCopyOfThePromptPerRowAfterTheRunningRows() {
    ActiveRequest first = sequence(1, 2);
    layout.join(List.of(first), prompt(10, 11), 2);
    ActiveRequest beams = sequence(3, 3);
    layout.join(List.of(beams), prompt(20, 21, 22), 3);

    assertThat(layout.rows()).isEqualTo(4);
    assertThat(layout.sequences()).containsExactly(first, beams);
    assertThat(layout.offset(1)).isEqualTo(1);
    assertThat(layout.rowsOf(1)).isEqualTo(3);
    assertThat(cache.tokens(0)).containsExactly(10, 11);
    for (int r = 1; r < 4; r++) {
      assertThat(cache.tokens(r)).containsExactly(20, 21, 22);
    }
  }

  @Test
  void repackDropsEndedSequencesAndCopiesBeamsFromTheirParents() {
    ActiveRequest ended = sequence(1, 1);
    ActiveRequest beams = sequence(3, 2);
    ActiveRequest last = sequence(1, 1);
    layout.join(List.of(ended), prompt(1), 1);
    layout.join(List.of(beams), prompt(2, 2), 2);
    layout.join(List.of(last), prompt(3), 1);
    cache.gather(
        List.of(
            new org.llmplatform.inference.kvcache.KvCache.KvRow(cache, 0, 1),
            new org.llmplatform.inference.kvcache.KvCache.KvRow(prompt(5, 0), 0, 2),
            new org.llmplatform.inference.kvcache.KvCache.KvRow(prompt(5, 1), 0, 2),
            new org.llmplatform.inference.kvcache.KvCache.KvRow(prompt(5, 2), 0, 2),
            new org.llmplatform.inference.kvcache.KvCache.KvRow(cache, 4, 1)));
    ended.end(FinishReason.STOP, null);

    layout.repack(new int[][] {{}, {2, 2, 0}, {0}});

    assertThat(layout.sequences()).containsExactly(beams, last);
    assertThat(layout.offset(1)).isEqualTo(3);
    assertThat(cache.rows()).isEqualTo(4);
    assertThat(cache.tokens(0)).containsExactly(5, 2);
    assertThat(cache.tokens(1)).containsExactly(5, 2);
    assertThat(cache.tokens(2)).containsExactly(5, 0);
    assertThat(cache.tokens(3)).containsExactly(3);
  }

  @Test
  void aStepWhereNoRowMovesGathersNothing() {
    ActiveRequest a = sequence(1, 1);
    ActiveRequest beams = sequence(2, 1);
    layout.join(List.of(a), prompt(1), 1);
    layout.join(List.of(beams), prompt(2), 1);
    int before = cache.gathers();

    layout.repack(new int[][] {{0}, {0, 1}});
    assertThat(cache.gathers()).isEqualTo(before);

    layout.repack(new int[][] {{0}, {1, 1}});
    assertThat(cache.gathers()).isEqualTo(before + 1);
  }
}
