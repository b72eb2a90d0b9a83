package org.llmplatform.inference.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * What the engine knows about a decoder model, discovered from its ONNX graph and config files.
 *
 * @param name model name (folder name)
 * @param onnxFile the decoder graph
 * @param vocabSize logits width
 * @param contextLength tokens a sequence may hold (prompt + generated)
 * @param numLayers decoder layers (pairs of past key/value inputs)
 * @param kvHeads key/value heads per layer
 * @param headDim size of one head
 * @param kvType element type of past/present tensors
 * @param logitsType element type of the logits
 * @param lastPositionLogits the graph's logits are [batch, 1, vocab], the last position's only (as
 *     model-tools exports them), instead of [batch, seq, vocab]
 * @param names graph input/output names
 * @param eosIds ids that end a sequence
 * @param bosId beginning-of-sequence id, or null
 * @param defaults generation defaults
 * @param sharedKvBuffer the graph's attention takes each row's length and writes the new keys and
 *     values into its past at that length (ONNX Runtime's GroupQueryAttention), so one buffer sized
 *     for the whole context serves as both past and present, updated in place; rows are
 *     right-padded. config.json says so with {@code "past_present_share_buffer": true} (ONNX
 *     Runtime GenAI's name), as model-tools' {@code shared_kv} export writes it.
 */
public record ModelSpec(
    String name,
    Path onnxFile,
    int vocabSize,
    int contextLength,
    int numLayers,
    int kvHeads,
    int headDim,
    TensorType kvType,
    TensorType logitsType,
    boolean lastPositionLogits,
    GraphNames names,
    List<Integer> eosIds,
    Integer bosId,
    GenerationDefaults defaults,
    boolean sharedKvBuffer) {

  public ModelSpec {
    if (vocabSize <= 0 || contextLength <= 0 || numLayers <= 0 || kvHeads <= 0 || headDim <= 0) {
      throw new ModelLayoutException("model sizes must be positive");
    }
    eosIds = List.copyOf(eosIds);
  }

  /** Positions of logits a run over {@code seq} tokens per row outputs. */
  public int logitPositions(int seq) {
    return lastPositionLogits ? 1 : seq;
  }

  /** Element index of the first logit of row {@code row}'s last position, {@code seq} per row. */
  public long lastLogitsIndex(int row, int seq) {
    int positions = logitPositions(seq);
    return ((long) row * positions + positions - 1) * vocabSize;
  }

  /**
   * Bytes of KV cache one sequence needs at full context: layers × 2 × kv_heads × context ×
   * head_dim × dtype.
   */
  public long kvBytesPerSlot() {
    return (long) numLayers * 2 * kvHeads * contextLength * headDim * kvType.bytes();
  }

  /**
   * Names of the graph's inputs and outputs.
   *
   * @param inputIds int64 [batch, seq]
   * @param attentionMask int64 [batch, past + seq], or null when the graph takes {@code rowLengths}
   *     instead
   * @param positionIds int64 [batch, seq], or null when the graph derives positions itself
   * @param useCacheBranch bool [1] of merged decoders, or null
   * @param pastKeys per layer, [batch, kv_heads, past, head_dim]
   * @param pastValues per layer
   * @param logits [batch, seq, vocab]
   * @param presentKeys per layer, [batch, kv_heads, past + seq, head_dim]
   * @param presentValues per layer
   * @param rowLengths GroupQueryAttention's length inputs where the graph takes them itself, or
   *     null (a builder-made graph derives them from the attention mask)
   */
  public record GraphNames(
      String inputIds,
      String attentionMask,
      String positionIds,
      String useCacheBranch,
      List<String> pastKeys,
      List<String> pastValues,
      String logits,
      List<String> presentKeys,
      List<String> presentValues,
      RowLengths rowLengths) {
    public GraphNames {
      pastKeys = List.copyOf(pastKeys);
      pastValues = List.copyOf(pastValues);
      presentKeys = List.copyOf(presentKeys);
      presentValues = List.copyOf(presentValues);
    }
  }

  /**
   * GroupQueryAttention's length inputs as graph inputs, for a graph over one past/present buffer
   * with right-padded rows ({@link #sharedKvBuffer()}).
   *
   * @param seqlensK int32 [batch]: each row's total length (past and new tokens) minus 1
   * @param totalSequenceLength int32 scalar (or [1]): the batch's total length, past + new
   * @param scalarTotal the graph declares {@code totalSequenceLength} as a scalar (rank 0), not [1]
   */
  public record RowLengths(String seqlensK, String totalSequenceLength, boolean scalarTotal) {}
}
