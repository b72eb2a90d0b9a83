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
import tools.jackson.databind.json.JsonMapper;

/**
 * A chat turn from top to bottom: session → tokenize → generate → detokenize → stop strings → (SSE
 * or one JSON, by the controller) → session append. {@link #prepare} does everything before the
 * first token, so its failures reach the client as plain HTTP errors; {@link #answer} streams.
 */
@Component
class ChatCompletionHandler {

  /**
   * A prepared turn: who asks, which model, the key of its append, and either the prompt to answer
   * or, for a retry of a turn the session already holds, the answer it stored.
   *
   * @param prompt the prompt, null for a replay
   * @param storedAnswer the answer stored by an earlier attempt with the same key, else null
   */
  record Turn(
      String requestId,
      long startNanos,
      Tenant tenant,
      ServedModel model,
      ChatCompletionRequest request,
      TurnKey key,
      Prompt prompt,
      String storedAnswer) {

    Conversation conversation() {
      return prompt.conversation();
    }

    int promptTokens() {
      return prompt.tokens().count();
    }

    String sessionId() {
      return request.sessionId();
    }

    boolean replayed() {
      return storedAnswer != null;
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
  private final JsonMapper json;

  ChatCompletionHandler(
      GatewayProperties properties,
      RateLimits rateLimits,
      ModelCatalog models,
      ConversationStore conversations,
      PromptBuilder prompts,
      Generation generation,
      Detokenization detokenization,
      GatewayMetrics metrics,
      JsonMapper json) {
    this.json = json;
    this.limits = properties.limits();
    this.rateLimits = rateLimits;
    this.models = models;
    this.conversations = conversations;
    this.prompts = prompts;
    this.generation = generation;
    this.detokenization = detokenization;
    this.metrics = metrics;
  }

  /**
   * @param idempotencyKey the client's {@code Idempotency-Key} header, or null
   */
  Mono<Turn> prepare(
      ChatCompletionRequest request, Tenant tenant, String requestId, String idempotencyKey) {
    long start = System.nanoTime();
    TurnKey key;
    try {
      key = TurnKey.of(idempotencyKey, request, json);
    } catch (ApiException e) {
      return Mono.error(e);
    }
    Mono<Turn> turn =
        models
            .resolve(request.model())
            .flatMap(
                model -> {
                  int room = room(request, model);
                  int budget = model.contextLength() - room;
                  Mono<Turn> fresh =
                      conversations
                          .load(request.sessionId(), tenant, request.messages(), budget) // session
                          .flatMap(conversation -> prompts.build(model, conversation, room)) // tok.
                          .map(
                              p ->
                                  new Turn(requestId, start, tenant, model, request, key, p, null));
                  return conversations
                      .storedAnswer(request.sessionId(), tenant, key) // a retry of a stored turn
                      .map(a -> new Turn(requestId, start, tenant, model, request, key, null, a))
                      .switchIfEmpty(fresh);
                });
    return checkLimits(request).then(rateLimits.admitDuring(tenant, turn)); // rate limits
  }

  Flux<GenerationEvent> answer(Turn turn) {
    if (turn.replayed()) {
      // the session holds this turn already: its answer again, nothing generated or charged
      Flux<GenerationEvent> text =
          turn.storedAnswer().isEmpty()
              ? Flux.empty()
              : Flux.just(new TextDelta(turn.storedAnswer(), List.of()));
      return text.concatWith(Flux.just(new Finished("stop", 0, 0)));
    }
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
                              turn.key())
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
