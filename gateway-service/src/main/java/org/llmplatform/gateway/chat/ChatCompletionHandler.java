package org.llmplatform.gateway.chat;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.chat.PromptBuilder.Prompt;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.generation.Answers;
import org.llmplatform.gateway.generation.ChoiceEvent;
import org.llmplatform.gateway.generation.ConstrainedOutput;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.GenerationEvent.ToolCalled;
import org.llmplatform.gateway.generation.Plan;
import org.llmplatform.gateway.generation.RequestLimits;
import org.llmplatform.gateway.message.ChatMessage;
import org.llmplatform.gateway.message.ToolCall;
import org.llmplatform.gateway.model.ModelCatalog;
import org.llmplatform.gateway.model.ServedModel;
import org.llmplatform.gateway.ratelimit.RateLimits;
import org.llmplatform.gateway.tools.ToolCallFormat;
import org.llmplatform.gateway.tools.ToolUse;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * A chat turn from top to bottom: check limits → resolve the model → load the session's
 * conversation → render and tokenize (fitted to the context on real token counts, {@link
 * PromptBuilder}) → admit (rate limits) → answer (generate → detokenize → stop strings, {@link
 * Answers}) → (SSE or one JSON, by the controller) → append the turn to the session (each message
 * with its real token count). {@link #prepare} does everything before the first token, so its
 * failures reach the client as plain HTTP errors; {@link #answer} streams.
 */
@Component
class ChatCompletionHandler {

  /**
   * A prepared turn: who asks, which model, the key of its append, and either the prompt to answer
   * or, for a retry of a turn the session already holds, the answer it stored.
   *
   * @param prompt the prompt, null for a replay
   * @param storedAnswer the answer stored by an earlier attempt with the same key, else null
   * @param tools the request's tools and the model's format for them, or null
   */
  record Turn(
      String requestId,
      long startNanos,
      Tenant tenant,
      ServedModel model,
      ChatCompletionRequest request,
      TurnKey key,
      Prompt prompt,
      ChatMessage storedAnswer,
      Tools tools) {

    Conversation conversation() {
      return prompt.conversation();
    }

    String sessionId() {
      return request.sessionId();
    }

    boolean replayed() {
      return storedAnswer != null;
    }

    Plan plan() {
      var sampling = request.sampling();
      if (tools != null) {
        sampling = sampling.withOutput(tools.grammar());
      }
      return new Plan(
          startNanos,
          tenant,
          model,
          prompt.tokens().ids(),
          sampling,
          request.choices(),
          0,
          sessionId());
    }
  }

  /**
   * @param grammar what makes the calls valid, or null where the format is not enforced
   */
  record Tools(ToolUse use, ToolCallFormat format, ConstrainedOutput grammar) {}

  private final RequestLimits limits;
  private final RateLimits rateLimits;
  private final ModelCatalog models;
  private final ConversationStore conversations;
  private final PromptBuilder prompts;
  private final Answers answers;
  private final JsonMapper json;

  ChatCompletionHandler(
      RequestLimits limits,
      RateLimits rateLimits,
      ModelCatalog models,
      ConversationStore conversations,
      PromptBuilder prompts,
      Answers answers,
      JsonMapper json) {
    this.limits = limits;
    this.rateLimits = rateLimits;
    this.models = models;
    this.conversations = conversations;
    this.prompts = prompts;
    this.answers = answers;
    this.json = json;
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
            .resolve(request.model()) // model
            .flatMap(
                model -> {
                  Tools tools = tools(request, model); // the model's tool-call format
                  var templateTools = tools == null ? null : tools.use().templateTools(json);
                  int room = room(request, model);
                  Mono<Turn> fresh =
                      conversations
                          .load(request.sessionId(), tenant, request.messages(), model) // session
                          .flatMap(c -> prompts.build(model, c, templateTools, room)) // tokenize
                          .map(
                              p ->
                                  new Turn(
                                      requestId, start, tenant, model, request, key, p, null,
                                      tools));
                  return conversations
                      .storedAnswer(request.sessionId(), tenant, key) // a retry of a stored turn
                      .map(
                          a ->
                              new Turn(
                                  requestId, start, tenant, model, request, key, null, a, tools))
                      .switchIfEmpty(fresh);
                });
    return checkLimits(request).then(rateLimits.admitDuring(tenant, turn)); // rate limits
  }

  /** The answer's events, in batches (see {@link Answers}). */
  Flux<List<ChoiceEvent>> answer(Turn turn) {
    if (turn.replayed()) {
      // the session holds this turn already: its answer again, nothing generated or charged
      ChatMessage stored = turn.storedAnswer();
      var replay = new ArrayList<ChoiceEvent>();
      if (!stored.content().isEmpty()) {
        replay.add(new ChoiceEvent(0, new TextDelta(stored.content(), List.of())));
      }
      stored.toolCalls().forEach(c -> replay.add(new ChoiceEvent(0, new ToolCalled(c))));
      String reason = stored.toolCalls().isEmpty() ? "stop" : "tool_calls";
      replay.add(new ChoiceEvent(0, new Finished(reason, 0, 0)));
      return Flux.just(replay);
    }
    Flux<List<ChoiceEvent>> events =
        answers.answer(turn.plan()); // generate, detokenize, stop strings
    if (turn.tools() != null) {
      events = turn.tools().use().parse(events, turn.tools().format(), json); // tool calls
    }
    return turn.sessionId() == null ? events : appendWhenFinished(turn, events); // session append
  }

  /**
   * On the batch with the finish event: append the turn to the session, then pass the batch on
   * (concatMap of a Mono.just takes no inner subscription).
   */
  private Flux<List<ChoiceEvent>> appendWhenFinished(Turn turn, Flux<List<ChoiceEvent>> batches) {
    return Flux.defer(
        () -> {
          var answer = new StringBuilder(); // one choice: n > 1 is refused with a session
          var calls = new ArrayList<ToolCall>();
          return batches.concatMap(
              batch -> {
                boolean finished = false;
                for (ChoiceEvent event : batch) {
                  switch (event.event()) {
                    case TextDelta delta -> answer.append(delta.text());
                    case ToolCalled called -> calls.add(called.call());
                    case Finished f -> finished = true;
                  }
                }
                if (!finished) {
                  return Mono.just(batch);
                }
                return conversations
                    .append(
                        turn.prompt(),
                        turn.model(),
                        turn.tenant(),
                        new ChatMessage("assistant", answer.toString(), null, calls, null, null),
                        turn.key())
                    .thenReturn(batch);
              });
        });
  }

  /** The request's tools with the model's format for them (400 when the model has none). */
  private Tools tools(ChatCompletionRequest request, ServedModel model) {
    ToolUse use = request.toolUse();
    if (use == null) {
      return null;
    }
    ToolCallFormat format = use.format(model);
    return new Tools(use, format, use.constraint(format, json));
  }

  private Mono<Void> checkLimits(ChatCompletionRequest request) {
    if (request.messages().size() > limits.limits().maxMessages()) {
      return RequestLimits.refuse(
          "messages", "at most " + limits.limits().maxMessages() + " messages are allowed");
    }
    return limits.check(request.sampling(), request.completionLimitField(), request.choices());
  }

  /** Tokens to keep free for the answer: max_tokens, else a quarter of the context. */
  private int room(ChatCompletionRequest request, ServedModel model) {
    Integer max = request.completionLimit();
    return max != null
        ? max
        : Math.max(1, Math.min(limits.limits().maxTokens(), model.contextLength() / 4));
  }
}
