package org.llmplatform.gateway.chat;

import java.util.List;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.chat.PromptBuilder.Prompt;
import org.llmplatform.gateway.client.InferenceClient.GenerateEvent;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.generation.Detokenization;
import org.llmplatform.gateway.generation.Generation;
import org.llmplatform.gateway.generation.GenerationEvent;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.StopStrings;
import org.llmplatform.gateway.model.ModelCatalog;
import org.llmplatform.gateway.model.ServedModel;
import org.llmplatform.gateway.observability.GatewayMetrics;
import org.llmplatform.gateway.ratelimit.RateLimits;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A chat turn from top to bottom: session → tokenize → generate → detokenize → stop strings → (SSE
 * or one JSON, by the controller) → session append. {@link #prepare} does everything before the
 * first token, so its failures reach the client as plain HTTP errors; {@link #answer} streams.
 */
@Component
class ChatCompletionHandler {

  /** A prepared turn: who asks, which model, the prompt. */
  record Turn(
      String requestId,
      long startNanos,
      Tenant tenant,
      ServedModel model,
      ChatCompletionRequest request,
      Prompt prompt) {

    Conversation conversation() {
      return prompt.conversation();
    }

    int promptTokens() {
      return prompt.tokens().count();
    }
  }

  private final GatewayProperties.Limits limits;
  private final RateLimits rateLimits;
  private final ModelCatalog models;
  private final ConversationStore conversations;
  private final PromptBuilder prompts;
  private final Generation generation;
  private final Detokenization detokenization;
  private final GatewayMetrics metrics;

  ChatCompletionHandler(
      GatewayProperties properties,
      RateLimits rateLimits,
      ModelCatalog models,
      ConversationStore conversations,
      PromptBuilder prompts,
      Generation generation,
      Detokenization detokenization,
      GatewayMetrics metrics) {
    this.limits = properties.limits();
    this.rateLimits = rateLimits;
    this.models = models;
    this.conversations = conversations;
    this.prompts = prompts;
    this.generation = generation;
    this.detokenization = detokenization;
    this.metrics = metrics;
  }

  Mono<Turn> prepare(ChatCompletionRequest request, Tenant tenant, String requestId) {
    long start = System.nanoTime();
    Mono<Turn> turn =
        models
            .resolve(request.model())
            .flatMap(
                model -> {
                  int room = room(request, model);
                  int budget = model.contextLength() - room;
                  return conversations
                      .load(request.sessionId(), tenant, request.messages(), budget) // session
                      .flatMap(conversation -> prompts.build(model, conversation, room)) // tokenize
                      .map(prompt -> new Turn(requestId, start, tenant, model, request, prompt));
                });
    return checkLimits(request).then(rateLimits.admitDuring(tenant, turn)); // rate limits
  }

  Flux<GenerationEvent> answer(Turn turn) {
    List<Integer> ids = turn.prompt().tokens().ids();
    var sampling = turn.request().sampling();
    Flux<GenerateEvent> tokens = generation.generate(turn.model(), ids, sampling); // generate
    Flux<GenerationEvent> text =
        detokenization.detokenize(
            turn.model(), ids.size(), sampling.logprobs() != null, tokens); // detokenize
    Flux<GenerationEvent> stopped = StopStrings.apply(sampling.stop(), ids.size(), text); // stop
    return metrics
        .observe(turn.model().name(), turn.startNanos(), stopped)
        .transform(events -> appendWhenFinished(turn, events)); // session append, rate charge
  }

  /** On the finish event: charge the tokens, append the turn to the session, then pass it on. */
  private Flux<GenerationEvent> appendWhenFinished(Turn turn, Flux<GenerationEvent> events) {
    return Flux.defer(
        () -> {
          var answer = new StringBuilder();
          return events.concatMap(
              event ->
                  switch (event) {
                    case TextDelta delta -> {
                      answer.append(delta.text());
                      yield Mono.just(event);
                    }
                    case Finished finished -> {
                      rateLimits.charge(turn.tenant(), finished.completionTokens());
                      yield conversations
                          .append(
                              turn.conversation(),
                              turn.tenant(),
                              answer.toString(),
                              turn.promptTokens(),
                              finished.completionTokens(),
                              turn.requestId())
                          .thenReturn(event);
                    }
                  });
        });
  }

  private Mono<Void> checkLimits(ChatCompletionRequest request) {
    if (request.messages().size() > limits.maxMessages()) {
      return Mono.error(
          ApiException.invalidRequest(
              "messages", "at most " + limits.maxMessages() + " messages are allowed"));
    }
    Integer max = request.completionLimit();
    if (max != null && max > limits.maxTokens()) {
      return Mono.error(
          ApiException.invalidRequest(
              request.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens",
              "at most " + limits.maxTokens() + " tokens may be asked for"));
    }
    if (request.stop().size() > limits.maxStop()) {
      return Mono.error(
          ApiException.invalidRequest("stop", "at most " + limits.maxStop() + " stop strings"));
    }
    return Mono.empty();
  }

  /** Tokens to keep free for the answer: max_tokens, else a quarter of the context. */
  private int room(ChatCompletionRequest request, ServedModel model) {
    Integer max = request.completionLimit();
    return max != null ? max : Math.max(1, Math.min(limits.maxTokens(), model.contextLength() / 4));
  }
}
