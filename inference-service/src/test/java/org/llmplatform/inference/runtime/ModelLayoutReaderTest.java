package org.llmplatform.inference.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmplatform.inference.TestModels;

/**
 * Layout discovery: what the engine learns from a model folder, and the start-up errors it names.
 */
class ModelLayoutReaderTest {

  @Test
  void missingDirectoryNamesTheProperty(@TempDir Path tmp) {
    assertLocateFails(tmp.resolve("absent")).hasMessageContaining("llm.model.dir");
  }

  @Test
  void folderWithoutConfigNamesBothLayouts(@TempDir Path tmp) {
    assertLocateFails(tmp)
        .hasMessageContaining("config.json")
        .hasMessageContaining("genai_config.json");
  }

  @Test
  void huggingFaceFolderWithoutGraphNamesWhereItLooked(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("config.json"), "{\"num_hidden_layers\":2}");
    assertLocateFails(tmp)
        .hasMessageContaining("onnx/model.onnx")
        .hasMessageContaining("decoder_model_merged.onnx");
  }

  @Test
  void genAiConfigNamingAMissingGraph(@TempDir Path tmp) throws Exception {
    Files.writeString(
        tmp.resolve("genai_config.json"),
        "{\"model\":{\"decoder\":{\"filename\":\"decoder.onnx\"}}}");
    assertLocateFails(tmp).hasMessageContaining("decoder.onnx");
  }

  /** The start-up error of locating the model in {@code dir}. */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertLocateFails(Path dir) {
    return assertThatThrownBy(() -> ModelLayoutReader.locate(dir))
        .isInstanceOf(ModelLayoutException.class);
  }

  static final Path GENAI_SHARED_KV =
      Path.of(System.getProperty("llm.repo.dir", ".."), "test-models")
          .resolve("tiny-llama-gqa-genai-shared-kv");
  static final Path GENAI_ROW_LENGTHS =
      GENAI_SHARED_KV.resolveSibling("tiny-llama-gqa-genai-row-lengths");

  /**
   * The start-up error of opening {@code model}'s graph, copied to {@code tmp}, with {@code from}
   * replaced by {@code to} in its genai_config.json.
   */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertOpenFailsWithConfigEdit(
      Path model, Path tmp, String from, String to) throws IOException {
    Files.copy(model.resolve("model.onnx"), tmp.resolve("model.onnx"));
    String config = Files.readString(model.resolve("genai_config.json"));
    String edited = config.replace(from, to);
    assertThat(edited).isNotEqualTo(config);
    Files.writeString(tmp.resolve("genai_config.json"), edited);
    return assertThatThrownBy(() -> DecoderSession.open(tmp, RuntimeOptions.cpuDefaults()))
        .isInstanceOf(ModelLayoutException.class);
  }

  @Test
  void genAiShareBufferFlagThatIsNotABooleanIsRefused(@TempDir Path tmp) throws Exception {
    assertOpenFailsWithConfigEdit(
            GENAI_SHARED_KV,
            tmp,
            "\"past_present_share_buffer\": true",
            "\"past_present_share_buffer\": \"yes\"")
        .hasMessageContaining("search.past_present_share_buffer must be true or false");
  }

  @Test
  void sharedBufferGraphWithoutTheMaskItsConfigNamesIsRefused(@TempDir Path tmp) throws Exception {
    assertOpenFailsWithConfigEdit(
            GENAI_SHARED_KV,
            tmp,
            "\"attention_mask\": \"attention_mask\"",
            "\"attention_mask\": \"attn_mask\"")
        .hasMessageContaining(
            "neither input 'attn_mask' nor 'seqlens_k' and 'total_sequence_length'");
  }

  @Test
  void rowLengthInputsWithoutTheShareBufferFlagAreRefused(@TempDir Path tmp) throws Exception {
    assertOpenFailsWithConfigEdit(
            GENAI_ROW_LENGTHS,
            tmp,
            "\"past_present_share_buffer\": true",
            "\"past_present_share_buffer\": false")
        .hasMessageContaining("'seqlens_k' and 'total_sequence_length'")
        .hasMessageContaining("past_present_share_buffer: true");
  }

  @Test
  void rowLengthInputNamedOtherwiseInTheConfigIsRefused(@TempDir Path tmp) throws Exception {
    assertOpenFailsWithConfigEdit(
            GENAI_ROW_LENGTHS, tmp, "\"seqlens_k\": \"seqlens_k\"", "\"seqlens_k\": \"seqlens\"")
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
