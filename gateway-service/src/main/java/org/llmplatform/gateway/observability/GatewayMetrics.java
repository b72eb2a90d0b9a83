package org.llmplatform.gateway.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.llmplatform.gateway.generation.ChoiceEvent;
import org.llmplatform.gateway.generation.GenerationEvent;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;

/**
 * The gateway's own metrics, as the client sees them: errors by code, time to first token and
 * tokens per second per model ({@code llm_gateway_*} in Prometheus). Request counts and latency
 * come from Spring's {@code http_server_requests}.
 */
@Component
public class GatewayMetrics {

  private final MeterRegistry registry;

  GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Counts an error answered to a client, by its code and status. */
  public void error(String code, int status) {
    Counter.builder("llm.gateway.errors")
        .description("errors answered to clients, by code")
        .tag("code", code)
        .tag("status", Integer.toString(status))
        .register(registry)
        .increment();
  }

  /**
   * Observes a generation from the request's start: time to its first text (of any choice) and each
   * choice's tokens/s after that.
   */
  public Flux<List<ChoiceEvent>> observe(
      String model, long startNanos, Flux<List<ChoiceEvent>> events) {
    return Flux.defer(
        () -> {
          var firstText = new AtomicLong();
          return events.doOnNext(
              batch -> {
                long now = System.nanoTime();
                for (ChoiceEvent choiceEvent : batch) {
                  observe(model, startNanos, firstText, now, choiceEvent);
                }
              });
        });
  }

  private void observe(
      String model, long startNanos, AtomicLong firstText, long now, ChoiceEvent choiceEvent) {
    switch (choiceEvent.event()) {
      case GenerationEvent.ToolCalled called -> {} // read later, out of the text
      case GenerationEvent.TextDelta delta -> {
        if (firstText.compareAndSet(0, now)) {
          Timer.builder("llm.gateway.time.to.first.token")
              .description("time from request to first text sent, as the client sees it")
              .tag("model", model)
              .publishPercentileHistogram()
              .register(registry)
              .record(Duration.ofNanos(now - startNanos));
        }
      }
      case GenerationEvent.Finished finished -> {
        long since = firstText.get() == 0 ? startNanos : firstText.get();
        double seconds = (now - since) / 1e9;
        if (finished.completionTokens() > 1 && seconds > 0) {
          DistributionSummary.builder("llm.gateway.tokens.per.second")
              .description("generated tokens per second after the first, per request")
              .tag("model", model)
              .register(registry)
              .record((finished.completionTokens() - 1) / seconds);
        }
        Counter.builder("llm.gateway.generated.tokens")
            .tag("model", model)
            .register(registry)
            .increment(finished.completionTokens());
      }
    }
  }
}
