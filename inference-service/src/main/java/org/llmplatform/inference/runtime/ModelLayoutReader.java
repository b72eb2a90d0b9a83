package org.llmplatform.inference.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Finds the decoder graph in a model directory and describes it: the directory's {@link
 * ModelLayout} (Hugging Face optimum's or ONNX Runtime GenAI's) says where the graph is and what
 * its config names and sizes are; this reader checks them against the graph's inputs and outputs
 * and builds the {@link ModelSpec}.
 */
public final class ModelLayoutReader {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private ModelLayoutReader() {}

  /** The files of a model directory, before the graph is opened. */
  public record ModelFiles(
      Path dir, Path onnxFile, JsonNode config, ModelLayout layout, JsonNode generationConfig) {}

  /** Locates the graph and reads the config files. */
  public static ModelFiles locate(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new ModelLayoutException(
          "model directory " + dir + " does not exist (set llm.model.dir / LLM_MODEL_DIR)");
    }
    return ModelLayout.of(dir).locate(dir);
  }

  /** Describes the model from its graph inputs/outputs and config. */
  public static ModelSpec describe(
      ModelFiles files, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
    ModelLayout layout = files.layout();
    JsonNode config = files.config();
    ModelLayout.Names declared = layout.names(config, inputs.keySet(), outputs.keySet());
    String logits = declared.logits();
    boolean sharedKv = layout.sharedKvBuffer(config);
    require(inputs, declared.inputIds(), "input");
    require(outputs, logits, "output");
    requireInt64(inputs, declared.inputIds());
    ModelSpec.RowLengths rowLengths = rowLengths(declared, inputs, sharedKv);
    String mask = attentionMask(declared, inputs, rowLengths, sharedKv);
    String positions = declared.positionIds();
    if (inputs.containsKey(positions)) {
      requireInt64(inputs, positions);
    } else {
      positions = null;
    }
    String useCache = inputs.containsKey("use_cache_branch") ? "use_cache_branch" : null;
    int layers = checkKvNames(files, declared, inputs, outputs);

    JsonNode sizes = layout.sizes(config);
    int configLayers = sizes.path("num_hidden_layers").asInt(layers);
    if (configLayers != layers) {
      throw new ModelLayoutException(
          "config says " + configLayers + " layers, the graph has " + layers);
    }
    TensorInfo pastInfo = tensor(inputs, declared.pastKeys().get(0));
    TensorType kvType = TensorType.of(pastInfo.type, declared.pastKeys().get(0));
    TensorType logitsType = TensorType.of(tensor(outputs, logits).type, logits);
    long[] pastShape = pastInfo.getShape(); // [batch, kv_heads, past, head_dim]
    int heads = sizes.path("num_attention_heads").asInt(0);
    int kvHeads = dim(pastShape, 1, sizes.path("num_key_value_heads").asInt(heads), "kv heads");
    int headDimFromConfig =
        sizes.has("head_dim")
            ? sizes.path("head_dim").asInt()
            : sizes.has("head_size")
                ? sizes.path("head_size").asInt()
                : heads > 0 ? sizes.path("hidden_size").asInt(0) / heads : 0;
    int headDim = dim(pastShape, 3, headDimFromConfig, "head dim");
    JsonNode model = layout.model(config);
    long[] logitsShape = tensor(outputs, logits).getShape();
    int vocab = dim(logitsShape, 2, model.path("vocab_size").asInt(0), "vocab size");
    boolean lastPositionLogits = logitsShape.length == 3 && logitsShape[1] == 1;
    int context = layout.contextLength(config, files.generationConfig());
    if (context <= 0) {
      throw new ModelLayoutException(
          "config has no context length (max_position_embeddings / context_length)");
    }

    Set<Integer> eos = new LinkedHashSet<>(ids(model.path("eos_token_id")));
    eos.addAll(ids(files.generationConfig().path("eos_token_id")));
    Integer bos = model.path("bos_token_id").isNumber() ? model.path("bos_token_id").asInt() : null;
    var names =
        new ModelSpec.GraphNames(
            declared.inputIds(),
            mask,
            positions,
            useCache,
            declared.pastKeys(),
            declared.pastValues(),
            logits,
            declared.presentKeys(),
            declared.presentValues(),
            rowLengths);
    return new ModelSpec(
        files.dir().getFileName().toString(),
        files.onnxFile(),
        vocab,
        context,
        layers,
        kvHeads,
        headDim,
        kvType,
        logitsType,
        lastPositionLogits,
        names,
        List.copyOf(eos),
        bos,
        defaults(files.generationConfig()),
        sharedKv);
  }

  /**
   * The attention mask's name, or null where the graph takes GroupQueryAttention's row lengths
   * instead of a mask.
   */
  private static String attentionMask(
      ModelLayout.Names declared,
      Map<String, NodeInfo> inputs,
      ModelSpec.RowLengths rowLengths,
      boolean sharedKv) {
    String mask = declared.attentionMask();
    if (inputs.containsKey(mask)) {
      requireInt64(inputs, mask);
      return mask;
    }
    if (rowLengths != null) {
      return null;
    }
    if (sharedKv) {
      throw new ModelLayoutException(
          ("graph has neither input '%s' nor '%s' and '%s': the engine cannot give a graph over one"
                  + " past/present buffer its rows' lengths; it has %s")
              .formatted(
                  mask, declared.seqlensK(), declared.totalSequenceLength(), inputs.keySet()));
    }
    require(inputs, mask, "input");
    return mask;
  }

  /**
   * GroupQueryAttention's seqlens_k and total_sequence_length where the graph takes them as inputs
   * (int32, both), else null. They mean right-padded rows over one past/present buffer, which the
   * config must then declare: the engine left-pads the rows of a cache it copies.
   */
  private static ModelSpec.RowLengths rowLengths(
      ModelLayout.Names declared, Map<String, NodeInfo> inputs, boolean sharedKv) {
    String seqlens = declared.seqlensK();
    String total = declared.totalSequenceLength();
    if (!inputs.containsKey(seqlens) && !inputs.containsKey(total)) {
      return null;
    }
    if (!inputs.containsKey(seqlens) || !inputs.containsKey(total)) {
      throw new ModelLayoutException(
          "graph takes '%s' without '%s': GroupQueryAttention's row lengths come as both or neither"
              .formatted(
                  inputs.containsKey(seqlens) ? seqlens : total,
                  inputs.containsKey(seqlens) ? total : seqlens));
    }
    if (!sharedKv) {
      throw new ModelLayoutException(
          ("graph takes '%s' and '%s' (GroupQueryAttention over right-padded rows), but its config"
                  + " does not declare past_present_share_buffer: true (search.past_present_share_buffer"
                  + " in genai_config.json, past_present_share_buffer in config.json)")
              .formatted(seqlens, total));
    }
    requireInt32(inputs, seqlens);
    requireInt32(inputs, total);
    long[] totalShape = tensor(inputs, total).getShape();
    if (totalShape.length > 1 || (totalShape.length == 1 && totalShape[0] > 1)) {
      throw new ModelLayoutException(
          "input '%s' must be a scalar or [1], the graph has %s"
              .formatted(total, Arrays.toString(totalShape)));
    }
    return new ModelSpec.RowLengths(seqlens, total, totalShape.length == 0);
  }

  /** The KV inputs and outputs: one of each kind per layer, all in the graph; the layer count. */
  private static int checkKvNames(
      ModelFiles files,
      ModelLayout.Names declared,
      Map<String, NodeInfo> inputs,
      Map<String, NodeInfo> outputs) {
    int layers = declared.pastKeys().size();
    if (layers == 0) {
      throw new ModelLayoutException(
          files.onnxFile()
              + " has no past_key_values.N.key inputs: not a decoder exported with a KV cache");
    }
    if (declared.pastValues().size() != layers
        || declared.presentKeys().size() != layers
        || declared.presentValues().size() != layers) {
      throw new ModelLayoutException(
          "graph has %d past keys, %d past values, %d present keys, %d present values"
              .formatted(
                  layers,
                  declared.pastValues().size(),
                  declared.presentKeys().size(),
                  declared.presentValues().size()));
    }
    for (int i = 0; i < layers; i++) {
      require(inputs, declared.pastKeys().get(i), "input");
      require(inputs, declared.pastValues().get(i), "input");
      require(outputs, declared.presentKeys().get(i), "output");
      require(outputs, declared.presentValues().get(i), "output");
    }
    return layers;
  }

  static GenerationDefaults defaults(JsonNode g) {
    GenerationDefaults d = GenerationDefaults.greedy();
    return new GenerationDefaults(
        g.path("do_sample").asBoolean(d.doSample()),
        g.path("temperature").asDouble(d.temperature()),
        g.path("top_k").asInt(d.topK()),
        g.path("top_p").asDouble(d.topP()),
        g.path("min_p").asDouble(d.minP()),
        g.path("repetition_penalty").asDouble(d.repetitionPenalty()),
        g.path("max_new_tokens").asInt(d.maxNewTokens()),
        g.path("num_beams").asInt(d.numBeams()),
        g.path("length_penalty").asDouble(d.lengthPenalty()),
        g.path("early_stopping").asBoolean(d.earlyStopping()),
        ids(g.path("eos_token_id")));
  }

  private static List<Integer> ids(JsonNode node) {
    List<Integer> out = new ArrayList<>();
    if (node.isNumber()) {
      out.add(node.asInt());
    } else if (node.isArray()) {
      node.forEach(n -> out.add(n.asInt()));
    }
    return out;
  }

  private static int dim(long[] shape, int index, int fallback, String what) {
    if (shape.length > index && shape[index] > 0) {
      return (int) shape[index];
    }
    if (fallback <= 0) {
      throw new ModelLayoutException("cannot determine " + what + " from the graph or the config");
    }
    return fallback;
  }

  private static void require(Map<String, NodeInfo> nodes, String name, String kind) {
    if (!nodes.containsKey(name)) {
      throw new ModelLayoutException(
          "graph has no " + kind + " '" + name + "'; it has " + nodes.keySet());
    }
  }

  private static void requireInt64(Map<String, NodeInfo> nodes, String name) {
    if (tensor(nodes, name).type != OnnxJavaType.INT64) {
      throw new ModelLayoutException(
          "input '" + name + "' must be int64, the graph has " + tensor(nodes, name).type);
    }
  }

  private static void requireInt32(Map<String, NodeInfo> nodes, String name) {
    if (tensor(nodes, name).type != OnnxJavaType.INT32) {
      throw new ModelLayoutException(
          "input '" + name + "' must be int32, the graph has " + tensor(nodes, name).type);
    }
  }

  private static TensorInfo tensor(Map<String, NodeInfo> nodes, String name) {
    if (nodes.get(name).getInfo() instanceof TensorInfo info) {
      return info;
    }
    throw new ModelLayoutException("'" + name + "' is not a tensor");
  }

  static JsonNode emptyObject() {
    return JSON.createObjectNode();
  }

  static JsonNode read(Path file) {
    try {
      return JSON.readTree(Files.readString(file));
    } catch (IOException | RuntimeException e) {
      throw new ModelLayoutException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
