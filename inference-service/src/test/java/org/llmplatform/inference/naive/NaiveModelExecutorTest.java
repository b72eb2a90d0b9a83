package org.llmplatform.inference.naive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.TestModels;
import org.llmplatform.inference.kvcache.KvCache.KvRow;

/**
 * The naive executor against the reference.json of each tiny fixture and committed model (PyTorch,
 * full recomputation, fp32 on CPU): greedy ids exactly and first-step logits within 1e-4 (an fp16
 * model's logits within one fp16 rounding), with no ONNX Runtime in the loop.
 */
class NaiveModelExecutorTest {

  static Stream<ReferenceCase> fixtureCases() {
    return TestModels.modelToolsWithReference().stream()
        .flatMap(d -> ReferenceCase.load(d).stream());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtureCases")
  void reproducesTheReferenceGreedyIdsAndFirstStepLogits(ReferenceCase c) throws IOException {
    try (var executor = NaiveModelExecutor.open(c.dir())) {
      int vocab = executor.spec().vocabSize();
      float[] logits = new float[vocab];
      executor.prefill(c.promptIds(), logits);
      for (int i = 0; i < vocab; i++) {
        float expected = c.firstStepLogits()[i];
        assertThat(logits[i])
            .as("logit %d", i)
            .isCloseTo(expected, within(1e-4f + (fp16(c) ? 1e-3f * Math.abs(expected) : 0)));
      }
      int[] ids = new int[c.greedyIds().length];
      executor
          .batchCache()
          .gather(List.of(new KvRow(executor.prefillCache(), 0, c.promptIds().length)));
      float[][] rows = {logits};
      for (int step = 0; step < ids.length; step++) {
        ids[step] = argmax(rows[0]);
        int past = c.promptIds().length + step;
        executor.decode(new int[] {ids[step]}, new int[] {past}, new int[] {past}, rows);
      }
      assertThat(ids).containsExactly(c.greedyIds());
    }
  }

  @Test
  void aMislaidRowIsRefusedNotDecoded() throws IOException {
    Path model = fixtureCases().findFirst().orElseThrow().dir();
    try (var executor = NaiveModelExecutor.open(model)) {
      float[] logits = new float[executor.spec().vocabSize()];
      executor.prefill(new int[] {5, 6, 7}, logits);
      executor.batchCache().gather(List.of(new KvRow(executor.prefillCache(), 0, 3)));
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  executor.decode(
                      new int[] {8}, new int[] {2}, new int[] {2}, new float[][] {logits}))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("holds 3 tokens");
    }
  }

  private static boolean fp16(ReferenceCase c) {
    return c.model().contains("fp16");
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
