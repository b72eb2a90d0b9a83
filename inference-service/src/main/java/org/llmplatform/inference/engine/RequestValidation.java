package org.llmplatform.inference.engine;

import org.llmplatform.inference.kvcache.KvBudget;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.inference.sampling.InvalidParameterException;

/**
 * The checks a request passes before it is queued: its prompt against the model's vocabulary and
 * context, its choices and beams against the engine's limits. Any thread.
 */
final class RequestValidation {

  private final ModelSpec spec;
  private final EngineSettings settings;
  private final KvBudget budget;

  RequestValidation(ModelSpec spec, EngineSettings settings, KvBudget budget) {
    this.spec = spec;
    this.settings = settings;
    this.budget = budget;
  }

  void check(GenerationRequest request) {
    checkChoices(request);
    checkPrompt(request.promptIdsShared(), request.params().maxNewTokens(), request.rows());
  }

  /**
   * n in [1, max-choices], not with beam search (a beam search gives one sequence; n beam searches
   * of one prompt would all give the same), and within the KV slots.
   */
  private void checkChoices(GenerationRequest request) {
    int n = request.choices();
    if (n > settings.maxChoices()) {
      throw new InvalidParameterException(
          "n", "n must be in [1, %d], got %d".formatted(settings.maxChoices(), n));
    }
    if (n > 1 && request.params().numBeams() > 1) {
      throw new InvalidParameterException(
          "n", "n > 1 cannot be combined with num_beams > 1: beam search gives one sequence");
    }
    if (n > budget.slots()) {
      throw new InvalidParameterException(
          "n", "n (%d) exceeds the %d KV slots".formatted(n, budget.slots()));
    }
  }

  /** Ids in the vocabulary, prompt + max_new_tokens within the context, rows within the slots. */
  void checkPrompt(int[] promptIds, int maxNewTokens, int rows) {
    if (promptIds.length == 0) {
      throw new InvalidParameterException("input_ids", "input_ids must not be empty");
    }
    for (int id : promptIds) {
      if (id < 0 || id >= spec.vocabSize()) {
        throw new InvalidParameterException(
            "input_ids",
            "input_ids holds " + id + ", outside the vocabulary [0, " + spec.vocabSize() + ")");
      }
    }
    if ((long) promptIds.length + maxNewTokens > spec.contextLength()) {
      throw new InvalidParameterException(
          "max_new_tokens",
          "prompt (%d tokens) + max_new_tokens (%d) exceeds the context length %d"
              .formatted(promptIds.length, maxNewTokens, spec.contextLength()));
    }
    if (rows > budget.slots()) {
      throw new InvalidParameterException(
          "num_beams", "num_beams exceeds the " + budget.slots() + " KV slots");
    }
  }
}
