package org.llmplatform.inference.constraint;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What constrained decoding reports: {@code llm_constraint_fast_forward_tokens_total} (tokens the
 * grammar forced, appended without sampling), {@code llm_constraint_mask_wait_seconds} (time the
 * engine thread waited for a mask that was not ready when the logits were), {@code
 * llm_constraint_compile_seconds} and {@code llm_constraint_grammar_cache_total{result=hit|miss}}.
 */
record ConstraintMetrics(
    Counter fastForwarded, Timer maskWait, Timer compile, Counter cacheHits, Counter cacheMisses) {

  static ConstraintMetrics register(MeterRegistry registry) {
    return new ConstraintMetrics(
        Counter.builder("llm.constraint.fast_forward_tokens")
            .description("Tokens a grammar forced, appended without sampling")
            .register(registry),
        Timer.builder("llm.constraint.mask_wait")
            .description("Time the engine thread waited for a token mask")
            .publishPercentileHistogram()
            .register(registry),
        Timer.builder("llm.constraint.compile")
            .description("Time to compile a constraint to a grammar")
            .publishPercentileHistogram()
            .register(registry),
        Counter.builder("llm.constraint.grammar_cache")
            .tag("result", "hit")
            .description("Compiled-grammar cache lookups")
            .register(registry),
        Counter.builder("llm.constraint.grammar_cache")
            .tag("result", "miss")
            .description("Compiled-grammar cache lookups")
            .register(registry));
  }
}
