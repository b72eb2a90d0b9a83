package org.llmplatform.gateway.generation;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.reactor.bulkhead.operator.BulkheadOperator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.llmplatform.api.inference.GenerateRequest;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.client.InferenceClient.GenerateEvent;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.model.ServedModel;
import org.llmplatform.gateway.routing.Replica;
import org.llmplatform.gateway.routing.RouteKey;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The generate hop: sends the prompt ids to the model's inference-service and streams its token
 * events, within the gateway-wide generation bulkhead (full: 429 {@code overloaded}).
 */
@Component
public class Generation {

  private final Bulkhead bulkhead;

  Generation(GatewayProperties properties) {
    this.bulkhead =
        Bulkhead.of(
            "generation",
            BulkheadConfig.custom()
                .maxConcurrentCalls(properties.resilience().maxConcurrentGenerations())
                .maxWaitDuration(Duration.ZERO)
                .build());
  }

  private static Map<Integer, Double> logitBias(Map<String, Double> bias) {
    return bias == null
        ? null
        : bias.entrySet().stream()
            .collect(Collectors.toMap(e -> Integer.parseInt(e.getKey()), Map.Entry::getValue));
  }

  /** inference-service names the constraint's fields; the client named its own field. */
  private static ApiException clientsField(ApiException e, ConstrainedOutput output) {
    return output != null && e.param() != null && e.param().startsWith("constraint")
        ? ApiException.invalidRequest(output.param(), e.getMessage())
        : e;
  }

  /**
   * Token events ({@code token_id}) then one finish event ({@code finish_reason}, usage), of each
   * of {@code choices} choices (interleaved, told apart by their index), from one prefill; in
   * batches, each the events that arrived together.
   */
  public Flux<List<GenerateEvent>> generate(
      ServedModel model, RouteKey key, SamplingParams p, int choices) {
    int room = model.contextLength() - key.promptIds().size();
    var request =
        GenerateRequest.builder(key.promptIds())
            .maxNewTokens(p.maxTokens() == null ? room : p.maxTokens())
            .temperature(p.temperature())
            .topK(p.topK())
            .topP(p.topP())
            .minP(p.minP())
            .repetitionPenalty(p.repetitionPenalty())
            .presencePenalty(p.presencePenalty())
            .frequencyPenalty(p.frequencyPenalty())
            .logitBias(logitBias(p.logitBias()))
            .seed(p.seed())
            .logprobs(p.logprobs())
            .numBeams(p.numBeams())
            .n(choices == 1 ? null : choices)
            .constraint(p.output() == null ? null : p.output().constraint())
            .ignoreEos(Boolean.TRUE.equals(p.ignoreEos()) ? true : null)
            .stream(true)
            .build();
    return Flux.defer(() -> onReplica(model, key, request, new ArrayList<>()))
        .onErrorMap(ApiException.class, e -> clientsField(e, p.output()))
        .transformDeferred(BulkheadOperator.of(bulkhead));
  }

  /**
   * The generation on the replica the routing picks; one that fails before its first event (down,
   * draining, overloaded) hands the request to another, until each was tried once.
   */
  private Flux<List<GenerateEvent>> onReplica(
      ServedModel model, RouteKey key, GenerateRequest request, List<Replica> tried) {
    return Flux.defer(
        () -> {
          Replica replica = model.inference().pick(key, tried);
          if (replica == null) {
            return Flux.error(
                ApiException.unavailable(
                    "inference-service:" + model.name(), "no replica is available", null));
          }
          tried.add(replica);
          var started = new AtomicBoolean();
          String name = replica.client().downstream().name();
          return replica
              .generate(request)
              // a failure reported in a batch ends the stream after the events before it;
              // concatMap of a Mono.just takes no inner subscription
              .concatMap(
                  events -> {
                    if (!started.getPlain()) {
                      started.setPlain(true); // read only on this flux's own error signal
                    }
                    int failed = firstFailure(events);
                    if (failed < 0) {
                      return Mono.just(events);
                    }
                    ApiException error = failure(events.get(failed), name);
                    return failed == 0
                        ? Mono.<List<GenerateEvent>>error(error)
                        : Flux.just(events.subList(0, failed)).concatWith(Mono.error(error));
                  })
              .onErrorResume(
                  ApiException.class,
                  e ->
                      !started.get()
                              && movesOn(e)
                              && tried.size() < model.inference().replicas().size()
                          ? onReplica(model, key, request, tried)
                          : Flux.error(e));
        });
  }

  /** Another replica may do what this one could not: it is down, draining or full. */
  private static boolean movesOn(ApiException e) {
    int status = e.status().value();
    return status == 503 || status == 504 || status == 429;
  }

  private static int firstFailure(List<GenerateEvent> events) {
    for (int i = 0; i < events.size(); i++) {
      GenerateEvent event = events.get(i);
      if (event.error() != null || "error".equals(event.finishReason())) {
        return i;
      }
    }
    return -1;
  }

  private static ApiException failure(GenerateEvent event, String downstream) {
    return event.error() != null
        ? ApiException.unavailable(downstream, "generation failed: " + event.error(), null)
        : ApiException.unavailable(downstream, "generation failed", null);
  }
}
