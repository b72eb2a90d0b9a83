package org.llmplatform.inference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.llmplatform.inference.engine.EngineMetrics;
import org.llmplatform.inference.engine.InferenceEngine;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Engine metrics in vLLM's style with the {@code llm_} prefix: histograms {@code
 * llm_time_to_first_token_seconds}, {@code llm_inter_token_latency_seconds}, {@code
 * llm_e2e_request_latency_seconds}, {@code llm_request_queue_time_seconds}; gauges {@code
 * llm_num_requests_running}, {@code llm_num_requests_waiting}, {@code llm_batch_size}, {@code
 * llm_kv_slots_in_use}; counters {@code llm_prompt_tokens_total}, {@code
 * llm_generation_tokens_total}, {@code llm_prefix_cache_queries_total}, {@code
 * llm_prefix_cache_hits_total} (prompt tokens looked up / found in the prefix cache).
 */
@Component
class PrometheusEngineMetrics implements EngineMetrics {

  private final Timer ttft;
  private final Timer interToken;
  private final Timer e2e;
  private final Timer queue;
  private final Counter promptTokens;
  private final Counter generationTokens;
  private final Counter prefixQueries;
  private final Counter prefixHits;

  PrometheusEngineMetrics(MeterRegistry registry, ObjectProvider<InferenceEngine> engine) {
    this.ttft =
        histogram(registry, "llm.time_to_first_token", "Time from arrival to the first token");
    this.interToken =
        histogram(registry, "llm.inter_token_latency", "Time between two tokens of a request");
    this.e2e =
        histogram(registry, "llm.e2e_request_latency", "Time from arrival to the end of a request");
    this.queue =
        histogram(registry, "llm.request_queue_time", "Time a request waited for admission");
    this.promptTokens =
        Counter.builder("llm.prompt_tokens")
            .description("Prompt tokens processed")
            .register(registry);
    this.generationTokens =
        Counter.builder("llm.generation_tokens").description("Tokens generated").register(registry);
    this.prefixQueries =
        Counter.builder("llm.prefix_cache_queries")
            .description("Prompt tokens looked up in the prefix cache")
            .register(registry);
    this.prefixHits =
        Counter.builder("llm.prefix_cache_hits")
            .description("Prompt tokens whose KV came from the prefix cache")
            .register(registry);
    gauge(
        registry,
        "llm.num_requests_running",
        "Requests in the running batch",
        engine,
        InferenceEngine::runningRequests);
    gauge(
        registry,
        "llm.num_requests_waiting",
        "Requests waiting for admission",
        engine,
        InferenceEngine::waitingRequests);
    gauge(
        registry,
        "llm.batch_size",
        "Rows in the last decode batch",
        engine,
        InferenceEngine::batchSize);
    gauge(
        registry,
        "llm.kv_slots_in_use",
        "KV cache slots taken",
        engine,
        InferenceEngine::kvSlotsInUse);
  }

  private static Timer histogram(MeterRegistry registry, String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .register(registry);
  }

  /**
   * A gauge over the engine, which is created after this bean (it takes the metrics): hence the
   * provider, held strongly. Micrometer holds a gauge's object weakly by default, and Spring
   * injects a provider that nothing else keeps, so after the first GC every gauge read NaN.
   */
  private static void gauge(
      MeterRegistry registry,
      String name,
      String description,
      ObjectProvider<InferenceEngine> engine,
      java.util.function.ToIntFunction<InferenceEngine> value) {
    Gauge.builder(
            name,
            engine,
            p -> {
              InferenceEngine e = p.getIfAvailable();
              return e == null ? 0 : value.applyAsInt(e);
            })
        .description(description)
        .strongReference(true)
        .register(registry);
  }

  @Override
  public void admitted(long queueNanos) {
    queue.record(queueNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void firstToken(long ttftNanos) {
    ttft.record(ttftNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void nextToken(long gapNanos) {
    interToken.record(gapNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void finished(long e2eNanos, int prompt, int generated) {
    e2e.record(e2eNanos, TimeUnit.NANOSECONDS);
    promptTokens.increment(prompt);
    generationTokens.increment(generated);
  }

  @Override
  public void prefixCacheQueried(int promptTokens, int hitTokens) {
    prefixQueries.increment(promptTokens);
    prefixHits.increment(hitTokens);
  }
}
