package org.llmplatform.inference.constraint;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.llmplatform.api.inference.OutputConstraint;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.inference.sampling.InvalidParameterException;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * Grammar-constrained decoding for one model: turns a request's {@link OutputConstraint} into a
 * {@link RequestConstraint} the engine follows (compiled off the engine thread, cached), and owns
 * the mask workers. Without the model's {@code tokenizer.json} there is no vocabulary to mask, and
 * a constrained request is refused with 400.
 */
public final class OutputConstraints implements AutoCloseable {

  private final Vocabulary vocabulary; // null: constraints unavailable
  private final GrammarCompiler compiler;
  private final MaskWorkers maskWorkers;
  private final ConstraintMetrics metrics;

  OutputConstraints(
      Vocabulary vocabulary, ConstraintProperties properties, MeterRegistry registry) {
    this.vocabulary = vocabulary;
    this.metrics = ConstraintMetrics.register(registry);
    this.compiler =
        vocabulary == null ? null : new GrammarCompiler(vocabulary, properties, metrics);
    this.maskWorkers = new MaskWorkers(properties.maskThreads());
  }

  /**
   * Constraints for the model in {@code modelDir}: its {@code tokenizer.json} as the vocabulary,
   * sized to the model's logits, with the engine's eos ids.
   */
  public static OutputConstraints forModel(
      Path modelDir, ModelSpec spec, ConstraintProperties properties, MeterRegistry registry) {
    return new OutputConstraints(ModelVocabulary.load(modelDir, spec), properties, registry);
  }

  /**
   * The constraint of one request, compiled (or from the cache). Throws {@link
   * InvalidParameterException} at once for a combination it cannot serve (beam search, no
   * vocabulary, a constraint over the size limit); the future fails with one when the constraint is
   * refused or does not compile in time.
   */
  public CompletableFuture<RequestConstraint> prepare(OutputConstraint c, SamplingParams params) {
    if (params.numBeams() > 1) {
      throw new InvalidParameterException(
          "constraint",
          "constraint cannot be combined with num_beams > 1: use sampling or greedy decoding");
    }
    if (compiler == null) {
      throw new InvalidParameterException(
          "constraint", "constraint is not available: the model has no tokenizer.json");
    }
    return compiler
        .compile(c)
        .thenApply(
            grammar ->
                new RequestConstraint(
                    grammar,
                    vocabulary,
                    params.stopTokenIds(),
                    params.logprobs(),
                    maskWorkers,
                    metrics));
  }

  @Override
  public void close() {
    if (compiler != null) {
      compiler.close();
    }
    maskWorkers.close();
  }
}
