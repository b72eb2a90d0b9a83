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

  static final Path GENAI_SHARED_KV =
      Path.of(System.getProperty("llm.repo.dir", ".."), "test-models")
          .resolve("tiny-llama-gqa-genai-shared-kv");
  static final Path GENAI_ROW_LENGTHS =
      GENAI_SHARED_KV.resolveSibling("tiny-llama-gqa-genai-row-lengths");

  /** {@code model}'s graph in {@code tmp} with its genai_config.json edited by {@code edit}. */
  private static Path genAiCopy(Path model, Path tmp, java.util.function.UnaryOperator<String> edit)
      throws Exception {
    Files.copy(model.resolve("model.onnx"), tmp.resolve("model.onnx"));
    String config = Files.readString(model.resolve("genai_config.json"));
    String edited = edit.apply(config);
    assertThat(edited).isNotEqualTo(config);
    Files.writeString(tmp.resolve("genai_config.json"), edited);
    return tmp;
  }

  @Test
  void genAiShareBufferFlagThatIsNotABooleanIsRefused(@TempDir Path tmp) throws Exception {
    Path dir =
        genAiCopy(
            GENAI_SHARED_KV,
            tmp,
            c ->
                c.replace(
                    "\"past_present_share_buffer\": true",
                    "\"past_present_share_buffer\": \"yes\""));
    assertThatThrownBy(() -> DecoderSession.open(dir, RuntimeOptions.cpuDefaults()))
        .isInstanceOf(ModelLayoutException.class)
        .hasMessageContaining("search.past_present_share_buffer must be true or false");
  }

  @Test
  void sharedBufferGraphWithoutTheMaskItsConfigNamesIsRefused(@TempDir Path tmp) throws Exception {
    Path dir =
        genAiCopy(
            GENAI_SHARED_KV,
            tmp,
            c ->
                c.replace(
                    "\"attention_mask\": \"attention_mask\"", "\"attention_mask\": \"attn_mask\""));
    assertThatThrownBy(() -> DecoderSession.open(dir, RuntimeOptions.cpuDefaults()))
        .isInstanceOf(ModelLayoutException.class)
        .hasMessageContaining(
            "neither input 'attn_mask' nor 'seqlens_k' and 'total_sequence_length'");
  }

  @Test
  void rowLengthInputsWithoutTheShareBufferFlagAreRefused(@TempDir Path tmp) throws Exception {
    Path dir =
        genAiCopy(
            GENAI_ROW_LENGTHS,
            tmp,
            c ->
                c.replace(
                    "\"past_present_share_buffer\": true", "\"past_present_share_buffer\": false"));
    assertThatThrownBy(() -> DecoderSession.open(dir, RuntimeOptions.cpuDefaults()))
        .isInstanceOf(ModelLayoutException.class)
        .hasMessageContaining("'seqlens_k' and 'total_sequence_length'")
        .hasMessageContaining("past_present_share_buffer: true");
  }

  @Test
  void rowLengthInputNamedOtherwiseInTheConfigIsRefused(@TempDir Path tmp) throws Exception {
    Path dir =
        genAiCopy(
            GENAI_ROW_LENGTHS,
            tmp,
            c -> c.replace("\"seqlens_k\": \"seqlens_k\"", "\"seqlens_k\": \"seqlens\""));
    assertThatThrownBy(() -> DecoderSession.open(dir, RuntimeOptions.cpuDefaults()))
        .isInstanceOf(ModelLayoutException.class)
        .hasMessageContaining("graph takes 'total_sequence_length' without 'seqlens'");
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
