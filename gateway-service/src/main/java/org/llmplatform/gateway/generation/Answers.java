package org.llmplatform.gateway.generation;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.gateway.client.InferenceClient.GenerateEvent;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.generation.Detokenization.ChoiceText;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.observability.GatewayMetrics;
import org.llmplatform.gateway.ratelimit.RateLimits;
import org.llmplatform.gateway.routing.RouteKey;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;

/**
 * The steps every API shares after the prompt is known: generate (all choices in one
 * inference-service request, so the prompt is prefilled once) → for each choice, detokenize → stop
 * strings; observed (time to first token, tokens/s) and charged to the tenant's token budget. The
 * flux completes once every choice has finished; when stop strings end every choice early, that
 * cancels the generation (freeing its inference slot). Events travel in batches: those that arrived
 * from inference-service together stay together (never an empty batch), so the response writes them
 * at once.
 */
@Component
public class Answers {

  private final Generation generation;
  private final Detokenization detokenization;
  private final GatewayMetrics metrics;
  private final RateLimits rateLimits;

  Answers(
      Generation generation,
      Detokenization detokenization,
      GatewayMetrics metrics,
      RateLimits rateLimits) {
    this.generation = generation;
    this.detokenization = detokenization;
    this.metrics = metrics;
    this.rateLimits = rateLimits;
  }

  public Flux<List<ChoiceEvent>> answer(Plan plan) {
    return Flux.defer(
        () -> {
          var choices = new Choices(plan);
          Flux<List<ChoiceEvent>> events =
              generation
                  .generate(
                      plan.model(),
                      new RouteKey(plan.sessionId(), plan.promptIds()),
                      plan.sampling(),
                      plan.choices())
                  .map(choices::next)
                  .filter(batch -> !batch.isEmpty())
                  .takeUntil(batch -> choices.allFinished());
          return metrics
              .observe(plan.model().name(), plan.startNanos(), events)
              .doOnNext(
                  batch -> {
                    for (ChoiceEvent e : batch) {
                      if (e.event() instanceof Finished f) {
                        rateLimits.charge(plan.tenant(), f.completionTokens());
                      }
                    }
                  });
        });
  }

  /** Each choice's detokenizer and stop-string matcher, fed the events of that choice. */
  private final class Choices {

    private final Plan plan;
    private final ChoiceText[] text;
    private final StopStrings[] stops;
    private final boolean[] finished;
    private int open;

    Choices(Plan plan) {
      this.plan = plan;
      int n = plan.choices();
      boolean logprobs = plan.sampling().logprobs() != null;
      this.text = new ChoiceText[n];
      this.stops = plan.sampling().stop().isEmpty() ? null : new StopStrings[n];
      this.finished = new boolean[n];
      this.open = n;
      for (int i = 0; i < n; i++) {
        text[i] = detokenization.start(plan.model(), plan.promptTokens(), logprobs);
        if (stops != null) {
          stops[i] = StopStrings.of(plan.sampling().stop(), plan.promptTokens());
        }
      }
    }

    /** The events of a batch that reach the client; none after every choice finished. */
    List<ChoiceEvent> next(List<GenerateEvent> batch) {
      if (batch.size() == 1) {
        return next(batch.getFirst());
      }
      var out = new ArrayList<ChoiceEvent>(batch.size());
      for (GenerateEvent event : batch) {
        if (open == 0) {
          break;
        }
        out.addAll(next(event));
      }
      return out;
    }

    private List<ChoiceEvent> next(GenerateEvent event) {
      int i = event.choice();
      if (i < 0 || i >= finished.length) {
        throw ApiException.internal(
            "inference-service sent choice " + i + " of a request for " + finished.length, null);
      }
      if (open == 0 || finished[i]) {
        return List.of(); // ended by a stop string: the rest of its tokens are not shown
      }
      List<GenerationEvent> events = text[i].next(event);
      if (stops == null && events.size() == 1 && !(events.getFirst() instanceof Finished)) {
        return List.of(new ChoiceEvent(plan.firstIndex() + i, events.getFirst())); // most tokens
      }
      var out = new ArrayList<ChoiceEvent>();
      for (GenerationEvent e : events) {
        for (GenerationEvent stopped : stops == null ? List.of(e) : stops[i].next(e)) {
          var choiceEvent = new ChoiceEvent(plan.firstIndex() + i, stopped);
          out.add(choiceEvent);
          if (stopped instanceof Finished) {
            finished[i] = true;
            open--;
          }
        }
        if (finished[i]) {
          break;
        }
      }
      return out;
    }

    /** Whether every choice has finished: nothing more is sent. */
    boolean allFinished() {
      return open == 0;
    }
  }
}
