package org.llmplatform.tokenizer.template;

import java.time.Duration;

/**
 * What one render of a chat template may spend. A render past any of them stops and the request is
 * answered 400 ({@link TemplateLimitException}).
 *
 * @param timeout wall time of one render; checked at every loop iteration and expression, so a
 *     render past it stops within one expression's work
 * @param maxOutputSize largest rendered prompt, in UTF-8 bytes (and longest string the template
 *     builds, in characters)
 * @param maxLoopIterations loop iterations of one render, all loops together
 */
public record RenderLimits(Duration timeout, long maxOutputSize, long maxLoopIterations) {

  /** The service's defaults: 2 s, 1 MiB, 1,000,000 iterations. */
  public static final RenderLimits DEFAULT =
      new RenderLimits(Duration.ofSeconds(2), 1L << 20, 1_000_000);

  public RenderLimits {
    if (timeout.isNegative() || timeout.isZero() || maxOutputSize <= 0 || maxLoopIterations <= 0) {
      throw new IllegalArgumentException("render limits must be positive: " + timeout);
    }
  }
}
