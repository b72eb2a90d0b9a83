package org.llmplatform.inference.constraint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.structured.vocab.Vocabulary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The vocabulary a grammar masks, read once per model from its folder. */
final class ModelVocabulary {

  private static final Logger log = LoggerFactory.getLogger(ModelVocabulary.class);

  private ModelVocabulary() {}

  /**
   * {@code modelDir/tokenizer.json} as bytes per token, as wide as the model's logits (ids the
   * tokenizer lacks spell nothing and are never allowed; tokenizer ids past the logits are
   * dropped), with the engine's eos ids as the tokens allowed where the grammar accepts; null when
   * there is no tokenizer.json.
   */
  static Vocabulary load(Path modelDir, ModelSpec spec) {
    Path json = modelDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(json)) {
      log.warn("{} is absent: constrained generation is off for this model", json);
      return null;
    }
    Vocabulary read = Vocabulary.fromTokenizerJson(json);
    byte[][] bytes = new byte[spec.vocabSize()][];
    for (int t = 0; t < Math.min(read.size(), bytes.length); t++) {
      bytes[t] = read.bytes(t);
    }
    int[] eos =
        spec.eosIds().stream()
            .mapToInt(Integer::intValue)
            .filter(id -> id >= 0 && id < spec.vocabSize())
            .toArray();
    Set<Integer> engineEos = Arrays.stream(eos).boxed().collect(Collectors.toSet());
    Set<Integer> tokenizerEos = Arrays.stream(read.eosTokens()).boxed().collect(Collectors.toSet());
    if (!engineEos.equals(tokenizerEos)) {
      log.warn(
          "tokenizer.json names eos {} and the model config {}: constraints end with the model's",
          tokenizerEos,
          engineEos);
    }
    if (read.size() != spec.vocabSize()) {
      log.info(
          "tokenizer.json has {} tokens, the logits {}: masks cover the logits",
          read.size(),
          spec.vocabSize());
    }
    Vocabulary v = Vocabulary.of(bytes, eos);
    log.info("Constraints: {} from {}", v, json);
    return v;
  }
}
