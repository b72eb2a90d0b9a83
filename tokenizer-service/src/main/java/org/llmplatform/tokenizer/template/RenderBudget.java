package org.llmplatform.tokenizer.template;

/**
 * What is left of one render's {@link RenderLimits}. The interpreter calls {@link #iteration()} at
 * each loop iteration and {@link #check()} before each expression; once a limit is passed every
 * later call throws the same exception, so a render unwinds even through Jinjava's code that turns
 * exceptions into errors and carries on. A render whose thread is interrupted (its request was
 * cancelled) stops the same way. One render, one thread: not thread-safe.
 */
final class RenderBudget {

  private final RenderLimits limits;
  private final long deadline;
  private long iterations;
  private TemplateLimitException exceeded;

  RenderBudget(RenderLimits limits) {
    this.limits = limits;
    this.deadline = System.nanoTime() + limits.timeout().toNanos();
  }

  void iteration() {
    if (++iterations > limits.maxLoopIterations()) {
      exceed(
          "the chat template ran more than the limit of "
              + limits.maxLoopIterations()
              + " loop iterations");
    }
    check();
  }

  void check() {
    if (exceeded != null) {
      throw exceeded;
    }
    if (System.nanoTime() - deadline > 0) {
      exceed(
          "the chat template took longer than the limit of "
              + limits.timeout().toMillis()
              + " ms to render");
    }
    if (Thread.currentThread().isInterrupted()) {
      exceed("the chat template's render was cancelled");
    }
  }

  /** The limit passed, or null. */
  TemplateLimitException exceeded() {
    return exceeded;
  }

  private void exceed(String message) {
    exceeded = new TemplateLimitException(message);
    throw exceeded;
  }
}
