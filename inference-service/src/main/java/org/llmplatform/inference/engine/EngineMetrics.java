package org.llmplatform.inference.engine;

/** What the engine reports as it runs (durations in nanoseconds). Called on the engine thread. */
public interface EngineMetrics {

  /** A request left the waiting queue after {@code queueNanos}. */
  void admitted(long queueNanos);

  /** A request's first token, {@code ttftNanos} after it arrived. */
  void firstToken(long ttftNanos);

  /** A later token, {@code gapNanos} after the previous one of the same request. */
  void nextToken(long gapNanos);

  /** A request ended. */
  void finished(long e2eNanos, int promptTokens, int generatedTokens);

  /**
   * The prefix cache was asked for a prompt of {@code promptTokens}; {@code hitTokens} of them (0
   * on a miss) came from it.
   */
  default void prefixCacheQueried(int promptTokens, int hitTokens) {}

  EngineMetrics NONE =
      new EngineMetrics() {
        @Override
        public void admitted(long queueNanos) {}

        @Override
        public void firstToken(long ttftNanos) {}

        @Override
        public void nextToken(long gapNanos) {}

        @Override
        public void finished(long e2eNanos, int promptTokens, int generatedTokens) {}
      };
}
