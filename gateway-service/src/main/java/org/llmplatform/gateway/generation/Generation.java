package org.llmplatform.gateway.generation;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.reactor.bulkhead.operator.BulkheadOperator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.llmplatform.api.inference.GenerateRequest;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.client.InferenceClient.GenerateEvent;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.model.ServedModel;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;

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
   * of {@code choices} choices (interleaved, told apart by their index), from one prefill.
   */
  public Flux<GenerateEvent> generate(
      ServedModel model, List<Integer> promptIds, SamplingParams p, int choices) {
    int room = model.contextLength() - promptIds.size();
    var request =
        GenerateRequest.builder(promptIds)
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
            .stream(true)
            .build();
    return model
        .inference()
        .generate(request)
        .onErrorMap(ApiException.class, e -> clientsField(e, p.output()))
        .transformDeferred(BulkheadOperator.of(bulkhead))
        // map, not handle: Reactor restores the tracing ThreadLocals around every handle() call,
        // a cost paid per token
        .map(
            event -> {
              if (event.error() != null) {
                throw ApiException.unavailable(
                    model.inference().downstream().name(),
                    "generation failed: " + event.error(),
                    null);
              }
              if ("error".equals(event.finishReason())) {
                throw ApiException.unavailable(
                    model.inference().downstream().name(), "generation failed", null);
              }
              return event;
            });
  }
}
