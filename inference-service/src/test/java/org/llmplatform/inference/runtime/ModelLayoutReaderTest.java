package org.llmplatform.inference.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmplatform.inference.TestModels;

/**
 * Layout discovery: what the engine learns from a model folder, and the start-up errors it names.
 */
class ModelLayoutReaderTest {

  @Test
  void missingDirectoryNamesTheProperty(@TempDir Path tmp) {
    assertThatThrownBy(() -> ModelLayoutReader.locate(tmp.resolve("absent")))
        .isInstanceOf(ModelLayoutException.class)
        .hasMessageContaining("llm.model.dir");
  }

  @Test
  void folderWithoutConfigNamesBothLayouts(@TempDir Path tmp) {
    assertThatThrownBy(() -> ModelLayoutReader.locate(tmp))
        .isInstanceOf(ModelLayoutException.class)
        .hasMessageContaining("config.json")
        .hasMessageContaining("genai_config.json");
  }

  @Test
  void huggingFaceFolderWithoutGraphNamesWhereItLooked(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("config.json"), "{\"num_hidden_layers\":2}");
    assertThatThrownBy(() -> ModelLayoutReader.locate(tmp))
        .isInstanceOf(ModelLayoutException.class)
        .hasMessageContaining("onnx/model.onnx")
        .hasMessageContaining("decoder_model_merged.onnx");
  }

  @Test
  void genAiConfigNamingAMissingGraph(@TempDir Path tmp) throws Exception {
    Files.writeString(
        tmp.resolve("genai_config.json"),
        "{\"model\":{\"decoder\":{\"filename\":\"decoder.onnx\"}}}");
    assertThatThrownBy(() -> ModelLayoutReader.locate(tmp))
        .isInstanceOf(ModelLayoutException.class)
        .hasMessageContaining("decoder.onnx");
  }

  @Test
  void stories260KIsDescribedFromGraphAndConfig() throws Exception {
    try (var session =
        DecoderSession.open(TestModels.stories260K(), RuntimeOptions.cpuDefaults())) {
      ModelSpec spec = session.spec();
      assertThat(spec.numLayers()).isEqualTo(5);
      assertThat(spec.kvHeads()).isEqualTo(4);
      assertThat(spec.headDim()).isEqualTo(8);
      assertThat(spec.vocabSize()).isEqualTo(512);
      assertThat(spec.contextLength()).isEqualTo(512);
      assertThat(spec.kvType()).isEqualTo(TensorType.FLOAT32);
      assertThat(spec.lastPositionLogits()).isFalse(); // logits [batch, seq, vocab]
      assertThat(spec.lastLogitsIndex(1, 3)).isEqualTo((1L * 3 + 2) * 512);
      assertThat(spec.names().positionIds()).isEqualTo("position_ids");
      assertThat(spec.names().useCacheBranch()).isNull();
      assertThat(spec.eosIds()).containsExactly(2);
      assertThat(spec.bosId()).isEqualTo(1);
      assertThat(spec.kvBytesPerSlot()).isEqualTo(5L * 2 * 4 * 512 * 8 * 4);
      assertThat(spec.defaults().doSample()).isFalse();
      assertThat(spec.defaults().maxNewTokens()).isEqualTo(256);
      assertThat(session.deviceInUse()).isEqualTo(Device.CPU);
    }
  }

  @Test
  void modelToolsExportsLogitsOfTheLastPositionOnly() throws Exception {
    Path fixture =
        Path.of(System.getProperty("llm.repo.dir", ".."), "test-models", "tiny-llama-gqa");
    try (var session = DecoderSession.open(fixture, RuntimeOptions.cpuDefaults())) {
      ModelSpec spec = session.spec();
      assertThat(spec.lastPositionLogits()).isTrue(); // logits [batch, 1, vocab]
      assertThat(spec.logitPositions(7)).isEqualTo(1);
      assertThat(spec.lastLogitsIndex(2, 7)).isEqualTo(2L * 384);
    }
  }

  @Test
  void cudaFallsBackToCpuWhenTheCpuBuildIsUsedAndCudaRequiredFails() throws Exception {
    Path model = TestModels.stories260K();
    try (var session = DecoderSession.open(model, new RuntimeOptions(Device.CUDA, 1, 1, "basic"))) {
      assertThat(session.deviceInUse()).isEqualTo(Device.CPU);
    }
    assertThatThrownBy(
            () -> DecoderSession.open(model, new RuntimeOptions(Device.CUDA_REQUIRED, 1, 1, "all")))
        .isInstanceOf(ModelLayoutException.class)
        .hasMessageContaining("cuda-required");
  }
}
