package org.llmplatform.inference.constraint;

import java.util.Set;
import java.util.concurrent.Executor;
import org.llmplatform.structured.grammar.Grammar;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * One request's compiled constraint: the grammar, the model's vocabulary, the ids that end the
 * request (allowed exactly where the grammar accepts), and where masks are computed. Each sequence
 * of the request (each of its n choices) follows the grammar on its own: {@link #newSequence}.
 */
public final class RequestConstraint {

  private final Grammar grammar;
  private final Vocabulary vocabulary;
  private final int[] stopIds;
  private final Integer logprobs; // alternatives asked per token, or null
  private final Executor maskWorkers;
  private final ConstraintMetrics metrics;

  RequestConstraint(
      Grammar grammar,
      Vocabulary vocabulary,
      Set<Integer> stopIds,
      Integer logprobs,
      Executor maskWorkers,
      ConstraintMetrics metrics) {
    this.grammar = grammar;
    this.vocabulary = vocabulary;
    this.stopIds =
        stopIds.stream().mapToInt(Integer::intValue).filter(id -> id < vocabulary.size()).toArray();
    this.logprobs = logprobs;
    this.maskWorkers = maskWorkers;
    this.metrics = metrics;
  }

  /**
   * A sequence at the start of the grammar; its first mask is computed on a mask worker from now on
   * (call it at admission, so that the prefill hides it).
   */
  public GuidedSequence newSequence() {
    return new GuidedSequence(this);
  }

  Grammar grammar() {
    return grammar;
  }

  Vocabulary vocabulary() {
    return vocabulary;
  }

  Integer logprobs() {
    return logprobs;
  }

  Executor maskWorkers() {
    return maskWorkers;
  }

  ConstraintMetrics metrics() {
    return metrics;
  }

  boolean isStop(int token) {
    for (int id : stopIds) {
      if (id == token) {
        return true;
      }
    }
    return false;
  }

  /** Stop ids (eos included) allowed exactly where the grammar accepts, whatever they spell. */
  void restrictStops(long[] mask, boolean accepting) {
    for (int id : stopIds) {
      if (accepting) {
        mask[id >>> 6] |= 1L << id;
      } else {
        mask[id >>> 6] &= ~(1L << id);
      }
    }
  }
}
