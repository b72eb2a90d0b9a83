package org.llmplatform.inference.api;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.llmplatform.api.error.InvalidFieldException;
import org.llmplatform.api.inference.GenerateRequest;
import org.llmplatform.inference.runtime.GenerationDefaults;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.inference.sampling.SamplingParams;

/**
 * Turns a wire request into {@link SamplingParams}: the request's values, else the model's
 * generation_config defaults.
 */
final class GenerationDefaultsResolver {

  private GenerationDefaultsResolver() {}

  static SamplingParams resolve(GenerateRequest r, ModelSpec spec) {
    GenerationDefaults d = spec.defaults();
    int prompt = r.inputIds().size();
    int maxNew;
    if (r.maxNewTokens() != null) {
      maxNew = r.maxNewTokens();
    } else {
      maxNew = Math.min(d.maxNewTokens(), spec.contextLength() - prompt);
      if (maxNew < 1) {
        throw new InvalidFieldException(
            "input_ids",
            "the prompt (%d tokens) fills the context length %d"
                .formatted(prompt, spec.contextLength()));
      }
    }
    boolean ignoreEos = Boolean.TRUE.equals(r.ignoreEos());
    if (ignoreEos && r.constraint() != null) {
      // a grammar ends its output with an eos id where it accepts: without one it could not end
      throw new InvalidFieldException(
          "ignore_eos", "ignore_eos cannot be combined with constraint");
    }
    Set<Integer> stop = ignoreEos ? new LinkedHashSet<>() : new LinkedHashSet<>(spec.eosIds());
    if (r.stopTokenIds() != null) {
      for (int id : r.stopTokenIds()) {
        checkId(id, spec, "stop_token_ids");
      }
      stop.addAll(r.stopTokenIds());
    }
    Map<Integer, Double> bias = r.logitBias() == null ? Map.of() : r.logitBias();
    for (int id : bias.keySet()) {
      checkId(id, spec, "logit_bias");
    }
    boolean sample = d.doSample();
    return new SamplingParams(
        or(r.temperature(), sample ? d.temperature() : 0.0),
        or(r.topK(), sample ? d.topK() : 0),
        or(r.topP(), sample ? d.topP() : 1.0),
        or(r.minP(), sample ? d.minP() : 0.0),
        or(r.repetitionPenalty(), d.repetitionPenalty()),
        or(r.presencePenalty(), 0.0),
        or(r.frequencyPenalty(), 0.0),
        bias,
        r.seed(),
        stop,
        maxNew,
        r.logprobs(),
        or(r.numBeams(), d.numBeams()),
        or(r.lengthPenalty(), d.lengthPenalty()),
        or(r.earlyStopping(), d.earlyStopping()));
  }

  private static void checkId(int id, ModelSpec spec, String param) {
    if (id < 0 || id >= spec.vocabSize()) {
      throw new InvalidFieldException(
          param, param + " holds " + id + ", outside the vocabulary [0, " + spec.vocabSize() + ")");
    }
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
