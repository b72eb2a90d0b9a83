package org.llmplatform.inference.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Finds the decoder graph in a model directory (Hugging Face layout with {@code config.json}, or
 * ONNX Runtime GenAI layout with {@code genai_config.json}) and describes it from the graph's
 * inputs and outputs plus the config.
 */
public final class ModelLayoutReader {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final List<String> HF_GRAPHS =
      List.of(
          "onnx/model.onnx",
          "onnx/decoder_model_merged.onnx",
          "model.onnx",
          "decoder_model_merged.onnx");

  private ModelLayoutReader() {}

  /** The files of a model directory, before the graph is opened. */
  public record ModelFiles(
      Path dir, Path onnxFile, JsonNode config, boolean genai, JsonNode generationConfig) {}

  /** Locates the graph and reads the config files. */
  public static ModelFiles locate(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new ModelLayoutException(
          "model directory " + dir + " does not exist (set llm.model.dir / LLM_MODEL_DIR)");
    }
    Path genaiConfig = dir.resolve("genai_config.json");
    if (Files.isRegularFile(genaiConfig)) {
      JsonNode config = read(genaiConfig);
      JsonNode decoder = config.path("model").path("decoder");
      String filename = decoder.path("filename").asString("model.onnx");
      Path onnx = dir.resolve(filename);
      if (!Files.isRegularFile(onnx)) {
        throw new ModelLayoutException(genaiConfig + " names " + filename + ", which is missing");
      }
      return new ModelFiles(dir, onnx, config, true, config.path("search"));
    }
    Path hfConfig = dir.resolve("config.json");
    if (!Files.isRegularFile(hfConfig)) {
      throw new ModelLayoutException(
          dir + " has neither config.json (Hugging Face layout) nor genai_config.json");
    }
    Path onnx =
        HF_GRAPHS.stream()
            .map(dir::resolve)
            .filter(Files::isRegularFile)
            .findFirst()
            .orElseThrow(
                () ->
                    new ModelLayoutException(
                        dir + " has no decoder graph; looked for " + HF_GRAPHS));
    Path gen = dir.resolve("generation_config.json");
    JsonNode generation = Files.isRegularFile(gen) ? read(gen) : JSON.createObjectNode();
    return new ModelFiles(dir, onnx, read(hfConfig), false, generation);
  }

  /** Describes the model from its graph inputs/outputs and config. */
  public static ModelSpec describe(
      ModelFiles files, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
    JsonNode cfg = files.genai() ? files.config().path("model") : files.config();
    JsonNode dec = cfg.path("decoder");
    String inputIds =
        files.genai() ? dec.path("inputs").path("input_ids").asString("input_ids") : "input_ids";
    String mask =
        files.genai()
            ? dec.path("inputs").path("attention_mask").asString("attention_mask")
            : "attention_mask";
    String positions =
        files.genai()
            ? dec.path("inputs").path("position_ids").asString("position_ids")
            : "position_ids";
    String logits =
        files.genai() ? dec.path("outputs").path("logits").asString("logits") : "logits";
    require(inputs, inputIds, "input");
    require(inputs, mask, "input");
    require(outputs, logits, "output");
    requireInt64(inputs, inputIds);
    requireInt64(inputs, mask);
    if (inputs.containsKey(positions)) {
      requireInt64(inputs, positions);
    } else {
      positions = null;
    }
    String useCache = inputs.containsKey("use_cache_branch") ? "use_cache_branch" : null;

    List<String> pastKeys;
    List<String> pastValues;
    List<String> presentKeys;
    List<String> presentValues;
    if (files.genai()) {
      int layers = dec.path("num_hidden_layers").asInt(0);
      pastKeys =
          pattern(
              dec.path("inputs").path("past_key_names").asString("past_key_values.%d.key"), layers);
      pastValues =
          pattern(
              dec.path("inputs").path("past_value_names").asString("past_key_values.%d.value"),
              layers);
      presentKeys =
          pattern(dec.path("outputs").path("present_key_names").asString("present.%d.key"), layers);
      presentValues =
          pattern(
              dec.path("outputs").path("present_value_names").asString("present.%d.value"), layers);
    } else {
      pastKeys = indexed(inputs.keySet(), Pattern.compile("past_key_values\\.(\\d+)\\.key"));
      pastValues = indexed(inputs.keySet(), Pattern.compile("past_key_values\\.(\\d+)\\.value"));
      presentKeys = indexed(outputs.keySet(), Pattern.compile("present\\.(\\d+)\\.key"));
      presentValues = indexed(outputs.keySet(), Pattern.compile("present\\.(\\d+)\\.value"));
    }
    int layers = pastKeys.size();
    if (layers == 0) {
      throw new ModelLayoutException(
          files.onnxFile()
              + " has no past_key_values.N.key inputs: not a decoder exported with a KV cache");
    }
    if (pastValues.size() != layers
        || presentKeys.size() != layers
        || presentValues.size() != layers) {
      throw new ModelLayoutException(
          "graph has %d past keys, %d past values, %d present keys, %d present values"
              .formatted(layers, pastValues.size(), presentKeys.size(), presentValues.size()));
    }
    for (int i = 0; i < layers; i++) {
      require(inputs, pastKeys.get(i), "input");
      require(inputs, pastValues.get(i), "input");
      require(outputs, presentKeys.get(i), "output");
      require(outputs, presentValues.get(i), "output");
    }
    int configLayers = (files.genai() ? dec : cfg).path("num_hidden_layers").asInt(layers);
    if (configLayers != layers) {
      throw new ModelLayoutException(
          "config says " + configLayers + " layers, the graph has " + layers);
    }

    TensorInfo pastInfo = tensor(inputs, pastKeys.get(0));
    TensorType kvType = TensorType.of(pastInfo.type, pastKeys.get(0));
    TensorType logitsType = TensorType.of(tensor(outputs, logits).type, logits);
    long[] pastShape = pastInfo.getShape(); // [batch, kv_heads, past, head_dim]
    JsonNode sizes = files.genai() ? dec : cfg;
    int heads = sizes.path("num_attention_heads").asInt(0);
    int kvHeads = dim(pastShape, 1, sizes.path("num_key_value_heads").asInt(heads), "kv heads");
    int headDimFromConfig =
        sizes.has("head_dim")
            ? sizes.path("head_dim").asInt()
            : sizes.has("head_size")
                ? sizes.path("head_size").asInt()
                : heads > 0 ? sizes.path("hidden_size").asInt(0) / heads : 0;
    int headDim = dim(pastShape, 3, headDimFromConfig, "head dim");
    long[] logitsShape = tensor(outputs, logits).getShape();
    int vocab = dim(logitsShape, 2, cfg.path("vocab_size").asInt(0), "vocab size");
    boolean lastPositionLogits = logitsShape.length == 3 && logitsShape[1] == 1;
    int context =
        files.genai()
            ? cfg.path("context_length").asInt(0)
            : cfg.path("max_position_embeddings")
                .asInt(
                    cfg.path("n_positions")
                        .asInt(files.generationConfig().path("max_length").asInt(0)));
    if (context <= 0) {
      throw new ModelLayoutException(
          "config has no context length (max_position_embeddings / context_length)");
    }

    Set<Integer> eos = new LinkedHashSet<>(ids(cfg.path("eos_token_id")));
    eos.addAll(ids(files.generationConfig().path("eos_token_id")));
    Integer bos = cfg.path("bos_token_id").isNumber() ? cfg.path("bos_token_id").asInt() : null;
    var names =
        new ModelSpec.GraphNames(
            inputIds,
            mask,
            positions,
            useCache,
            pastKeys,
            pastValues,
            logits,
            presentKeys,
            presentValues);
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
        !files.genai() && cfg.path("past_present_share_buffer").asBoolean(false));
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

  private static List<String> pattern(String format, int layers) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      out.add(format.formatted(i));
    }
    return out;
  }

  private static List<String> indexed(Set<String> names, Pattern pattern) {
    var byIndex = new java.util.TreeMap<Integer, String>();
    for (String name : names) {
      Matcher m = pattern.matcher(name);
      if (m.matches()) {
        byIndex.put(Integer.parseInt(m.group(1)), name);
      }
    }
    if (!byIndex.isEmpty() && byIndex.lastKey() != byIndex.size() - 1) {
      throw new ModelLayoutException(
          "layer indices of " + pattern + " are not 0.." + (byIndex.size() - 1));
    }
    return List.copyOf(byIndex.values());
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

  private static TensorInfo tensor(Map<String, NodeInfo> nodes, String name) {
    if (nodes.get(name).getInfo() instanceof TensorInfo info) {
      return info;
    }
    throw new ModelLayoutException("'" + name + "' is not a tensor");
  }

  private static JsonNode read(Path file) {
    try {
      return JSON.readTree(Files.readString(file));
    } catch (IOException | RuntimeException e) {
      throw new ModelLayoutException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
