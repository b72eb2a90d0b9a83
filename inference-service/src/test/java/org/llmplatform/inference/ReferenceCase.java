package org.llmplatform.inference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One case of a model's reference.json: prompt ids, greedy new ids, first-step logits; {@code dir}
 * is the model's folder.
 */
public record ReferenceCase(
    Path dir, int index, int[] promptIds, int[] greedyIds, float[] firstStepLogits) {

  /** The model's folder name. */
  public String model() {
    return dir.getFileName().toString();
  }

  public static List<ReferenceCase> load(Path modelDir) {
    try {
      JsonNode root =
          JsonMapper.builder()
              .build()
              .readTree(Files.readString(modelDir.resolve("reference.json")));
      List<ReferenceCase> out = new ArrayList<>();
      int i = 0;
      for (JsonNode c : root.path("cases")) {
        out.add(
            new ReferenceCase(
                modelDir,
                i++,
                ints(c.path("prompt_ids")),
                ints(c.path("greedy_ids")),
                floats(c.path("first_step_logits"))));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  private static float[] floats(JsonNode a) {
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) a.get(i).asDouble();
    }
    return out;
  }

  @Override
  public String toString() {
    return model() + "#" + index;
  }
}
