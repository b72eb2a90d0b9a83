package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmplatform.inference.ReferenceCase;
import org.llmplatform.inference.TestModels;
import org.llmplatform.inference.kvcache.KvCache;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.llmplatform.inference.runtime.TensorType;

/**
 * Parity with independent implementations: prefill + decode with the KV cache fed back reproduces
 * each model's reference greedy ids exactly and first-step logits within 1e-4.
 */
class OnnxModelExecutorParityTest {

  static Stream<ReferenceCase> cases() {
    List<Path> models = TestModels.withReference();
    return models.stream().flatMap(m -> ReferenceCase.load(m).stream());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void reproducesReferenceGreedyIdsAndFirstStepLogits(ReferenceCase c) throws Exception {
    Path dir = c.dir();
    try (var executor =
        new OnnxModelExecutor(DecoderSession.open(dir, RuntimeOptions.cpuDefaults()))) {
      int vocab = executor.spec().vocabSize();
      float[] logits = new float[vocab];
      executor.prefill(c.promptIds(), logits);
      assertThat(logits).hasSize(c.firstStepLogits().length);
      boolean fp16 = executor.spec().logitsType() == TensorType.FLOAT16;
      for (int i = 0; i < vocab; i++) {
        float expected = c.firstStepLogits()[i];
        assertThat(Math.abs(logits[i] - expected))
            .as("logit %d", i)
            .isLessThanOrEqualTo(fp16 ? Math.max(1e-4f, fp16Ulp(expected) + 1e-6f) : 1e-4f);
      }
      int[] generated = greedy(executor, c.promptIds(), logits, c.greedyIds().length);
      assertThat(generated).containsExactly(c.greedyIds());
    }
  }

  @Test
  void ortGenAiFp16ModelLoadsAndGenerates() throws Exception {
    Path dir = TestModels.shared("ortgenai-tiny-llama-fp16");
    try (var executor =
        new OnnxModelExecutor(DecoderSession.open(dir, RuntimeOptions.cpuDefaults()))) {
      var spec = executor.spec();
      assertThat(spec.kvType()).isEqualTo(TensorType.FLOAT16);
      assertThat(spec.logitsType()).isEqualTo(TensorType.FLOAT16);
      assertThat(spec.numLayers()).isEqualTo(2);
      assertThat(spec.kvHeads()).isEqualTo(1);
      assertThat(spec.headDim()).isEqualTo(16);
      assertThat(spec.vocabSize()).isEqualTo(32000);
      assertThat(spec.contextLength()).isEqualTo(2048);
      assertThat(spec.eosIds()).containsExactly(1);
      int[] prompt = {0, 450, 4996, 17354, 1701};
      float[] logits = new float[spec.vocabSize()];
      executor.prefill(prompt, logits);
      int[] cached = greedy(executor, prompt, logits, 12);
      // the same tokens by full recomputation without a cache (a differential check of the KV path)
      int[] naive = new int[12];
      int[] seq = prompt.clone();
      for (int i = 0; i < 12; i++) {
        executor.prefill(seq, logits);
        naive[i] = argmax(logits);
        seq = java.util.Arrays.copyOf(seq, seq.length + 1);
        seq[seq.length - 1] = naive[i];
      }
      assertThat(cached).containsExactly(naive);
      for (float f : logits) {
        assertThat(Float.isFinite(f)).isTrue();
      }
    }
  }

  static int[] greedy(ModelExecutor executor, int[] prompt, float[] firstLogits, int n)
      throws Exception {
    int[] out = new int[n];
    float[][] rows = {firstLogits.clone()};
    executor
        .batchCache()
        .gather(List.of(new KvCache.KvRow(executor.prefillCache(), 0, prompt.length)));
    int length = prompt.length;
    for (int i = 0; i < n; i++) {
      out[i] = argmax(rows[0]);
      if (i == n - 1) {
        break;
      }
      executor.decode(new int[] {out[i]}, new int[] {length}, new int[] {length}, rows);
      length++;
    }
    return out;
  }

  /**
   * One unit in the last place of an fp16 value: fp16 logits carry 11 significant bits, so two
   * correct implementations may round the same logit one step apart (e.g. 9.8e-4 for values in [1,
   * 2)).
   */
  static float fp16Ulp(float value) {
    return Math.ulp(Float.float16ToFloat(Float.floatToFloat16(value))) * (1 << 13);
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
