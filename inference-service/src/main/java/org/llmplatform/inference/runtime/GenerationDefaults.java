package org.llmplatform.inference.runtime;

import java.util.List;

/**
 * Generation defaults of a model (its {@code generation_config.json}); a request's own values win.
 * Absent file: greedy, 256 new tokens.
 *
 * @param doSample false means greedy whatever the temperature
 * @param temperature softmax temperature
 * @param topK keep the k most likely tokens, 0 = off
 * @param topP nucleus mass, 1 = off
 * @param minP minimum probability relative to the most likely token, 0 = off
 * @param repetitionPenalty 1 = off
 * @param maxNewTokens new tokens at most
 * @param numBeams 1 = no beam search
 * @param lengthPenalty exponent on the length in beam scores
 * @param earlyStopping beam search ends when num_beams hypotheses have finished
 * @param eosTokenIds extra end ids from the file (merged with the model's)
 */
public record GenerationDefaults(
    boolean doSample,
    double temperature,
    int topK,
    double topP,
    double minP,
    double repetitionPenalty,
    int maxNewTokens,
    int numBeams,
    double lengthPenalty,
    boolean earlyStopping,
    List<Integer> eosTokenIds) {
  public GenerationDefaults {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  public static GenerationDefaults greedy() {
    return new GenerationDefaults(false, 1.0, 0, 1.0, 0.0, 1.0, 256, 1, 1.0, false, List.of());
  }
}
