package org.llmplatform.inference.naive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.llmplatform.inference.engine.ModelExecutor;
import org.llmplatform.inference.kvcache.KvCache;
import org.llmplatform.inference.runtime.GenerationDefaults;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.inference.runtime.TensorType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A {@link ModelExecutor} without ONNX Runtime, for the tiny test models: {@link NaiveLlama}
 * recomputes every row's whole sequence at every step from the weights in the ONNX file, and the
 * caches hold tokens ({@link TokenKvCache}). Slow and plain: the reference every optimised executor
 * is checked against, and an executor the engine's scheduling is tested on. Engine thread only.
 */
public final class NaiveModelExecutor implements ModelExecutor {

  private final NaiveLlama model;
  private final ModelSpec spec;
  private final TokenKvCache batch = new TokenKvCache();
  private final TokenKvCache prefill = new TokenKvCache();
  private int forwardPasses;

  private NaiveModelExecutor(NaiveLlama model, ModelSpec spec) {
    this.model = model;
    this.spec = spec;
  }

  /** The model in {@code dir} (config.json and onnx/model.onnx, fp32 or fp16 weights). */
  public static NaiveModelExecutor open(Path dir) throws IOException {
    LlamaConfig cfg = LlamaConfig.read(dir);
    Path onnx = dir.resolve("onnx/model.onnx");
    NaiveLlama model = new NaiveLlama(cfg, LlamaWeights.of(OnnxGraphFile.read(onnx), cfg));
    return new NaiveModelExecutor(model, spec(dir, onnx, cfg));
  }

  private static ModelSpec spec(Path dir, Path onnx, LlamaConfig cfg) throws IOException {
    JsonNode c =
        JsonMapper.builder().build().readTree(Files.readString(dir.resolve("config.json")));
    List<Integer> eos = new ArrayList<>();
    if (c.path("eos_token_id").isArray()) {
      c.path("eos_token_id").forEach(id -> eos.add(id.asInt()));
    } else if (c.path("eos_token_id").isNumber()) {
      eos.add(c.path("eos_token_id").asInt());
    }
    Integer bos = c.path("bos_token_id").isNumber() ? c.path("bos_token_id").asInt() : null;
    List<String> none = IntStream.range(0, cfg.layers()).mapToObj(i -> "naive." + i).toList();
    var names =
        new ModelSpec.GraphNames(
            "ids", "mask", "pos", null, none, none, "logits", none, none, null);
    return new ModelSpec(
        dir.getFileName().toString(),
        onnx,
        cfg.vocabSize(),
        cfg.contextLength(),
        cfg.layers(),
        cfg.kvHeads(),
        cfg.headDim(),
        TensorType.FLOAT32,
        TensorType.FLOAT32,
        false,
        names,
        eos,
        bos,
        GenerationDefaults.greedy(),
        false);
  }

  /** Forward passes run so far (one per prefill chunk, one per row per decode step). */
  public int forwardPasses() {
    return forwardPasses;
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public String device() {
    return "cpu";
  }

  @Override
  public KvCache batchCache() {
    return batch;
  }

  @Override
  public KvCache prefillCache() {
    return prefill;
  }

  @Override
  public boolean prefillsInChunks() {
    return true;
  }

  @Override
  public KvCache newKvCache() {
    return new TokenKvCache();
  }

  @Override
  public void prefill(int[] promptIds, float[] lastLogits) {
    prefillChunk(promptIds, 0, promptIds.length, lastLogits);
  }

  @Override
  public void prefillChunk(int[] promptIds, int from, int to, float[] lastLogits) {
    if (from < 0 || to <= from || to > promptIds.length) {
      throw new IllegalArgumentException("chunk [" + from + ", " + to + ")");
    }
    if (from == 0) {
      prefill.reset();
    } else if (prefill.rows() != 1 || prefill.tokens(0).length != from) {
      throw new IllegalStateException("the prefill cache does not hold the " + from + " tokens");
    }
    int[] tokens = java.util.Arrays.copyOf(promptIds, to);
    prefill.set(0, tokens);
    System.arraycopy(forward(tokens), 0, lastLogits, 0, spec.vocabSize());
  }

  @Override
  public void decode(int[] tokens, int[] positions, int[] kvLengths, float[][] logits) {
    for (int r = 0; r < batch.rows(); r++) {
      int[] past = batch.tokens(r);
      if (past.length != kvLengths[r] || positions[r] != kvLengths[r]) {
        throw new IllegalStateException(
            "row %d holds %d tokens; the step says %d at position %d"
                .formatted(r, past.length, kvLengths[r], positions[r]));
      }
      int[] next = java.util.Arrays.copyOf(past, past.length + 1);
      next[past.length] = tokens[r];
      batch.set(r, next);
      System.arraycopy(forward(next), 0, logits[r], 0, spec.vocabSize());
    }
  }

  private float[] forward(int[] tokens) {
    forwardPasses++;
    return model.lastLogits(tokens);
  }

  @Override
  public void close() {}
}
