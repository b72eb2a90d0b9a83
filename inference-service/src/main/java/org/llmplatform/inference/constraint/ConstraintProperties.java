package org.llmplatform.inference.constraint;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Grammar-constrained decoding ({@code llm.constraint.*}): the limits on what a client's constraint
 * may cost to compile, the compiled-grammar cache and the mask workers.
 *
 * @param grammarCacheSize compiled grammars kept, least recently used dropped first (keyed by the
 *     constraint and the model's vocabulary); default 256
 * @param maxSize characters a constraint's text may have (the schema, the pattern, or all choices
 *     together); a longer one is refused with 400; default 65536
 * @param compileTimeout how long a request waits for its constraint to compile (queue included);
 *     past it the request is refused with 400; default 5s
 * @param compileThreads threads that compile constraints, off the event loop and the engine thread;
 *     default 1
 * @param compileQueue constraints that may wait for a compile thread; one more is refused with 429
 *     overloaded; default 32
 * @param maskThreads threads that compute the next step's token masks while the model runs the
 *     current step; default 2
 */
@ConfigurationProperties("llm.constraint")
@Validated
public record ConstraintProperties(
    @DefaultValue("256") @Min(1) int grammarCacheSize,
    @DefaultValue("65536") @Min(1) int maxSize,
    @DefaultValue("5s") @NotNull Duration compileTimeout,
    @DefaultValue("1") @Min(1) int compileThreads,
    @DefaultValue("32") @Min(1) int compileQueue,
    @DefaultValue("2") @Min(1) int maskThreads) {

  /** The defaults above (tests and benchmarks, without Spring). */
  public static ConstraintProperties defaults() {
    return new ConstraintProperties(256, 65536, Duration.ofSeconds(5), 1, 32, 2);
  }
}
