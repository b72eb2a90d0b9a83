package org.llmplatform.gateway.completion;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.client.Downstreams;
import org.llmplatform.gateway.client.TokenizerClient;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.generation.Answers;
import org.llmplatform.gateway.generation.ChoiceEvent;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.Plan;
import org.llmplatform.gateway.generation.RequestLimits;
import org.llmplatform.gateway.model.ModelCatalog;
import org.llmplatform.gateway.model.ServedModel;
import org.llmplatform.gateway.ratelimit.RateLimits;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A completions request from top to bottom: check limits → resolve the model → tokenize each prompt
 * (token-id prompts as they are) and check it fits the context → admit (rate limits) → answer each
 * prompt in turn (generate → detokenize → stop strings, {@link Answers}), its echo first when
 * asked. {@link #prepare} does everything before the first token, so its failures reach the client
 * as plain HTTP errors; {@link #answer} streams.
 */
@Component
class CompletionHandler {

  /** A prepared request: its prompts, each with its plan. */
  record Prepared(
      String requestId, ServedModel model, CompletionRequest request, List<Part> parts) {

    Prepared {
      parts = List.copyOf(parts);
    }
  }

  /**
   * One prompt, ready to answer.
   *
   * @param echo the prompt's text to put before each choice's text ({@code echo}), or null
   */
  record Part(Plan plan, String echo) {}

  private final RequestLimits limits;
  private final RateLimits rateLimits;
  private final ModelCatalog models;
  private final TokenizerClient tokenizer;
  private final Answers answers;

  CompletionHandler(
      RequestLimits limits,
      RateLimits rateLimits,
      ModelCatalog models,
      Downstreams downstreams,
      Answers answers) {
    this.limits = limits;
    this.rateLimits = rateLimits;
    this.models = models;
    this.tokenizer = downstreams.tokenizer();
    this.answers = answers;
  }

  Mono<Prepared> prepare(CompletionRequest request, Tenant tenant, String requestId) {
    long start = System.nanoTime();
    Mono<Prepared> prepared =
        models
            .resolve(request.model()) // model
            .flatMap(
                model ->
                    Flux.fromIterable(request.prompt())
                        .index()
                        .concatMap(
                            p ->
                                ids(model, p.getT2()) // tokenize
                                    .flatMap(ids -> fits(model, ids, request.completionLimit()))
                                    .map(
                                        ids ->
                                            new Part(
                                                new Plan(
                                                    start,
                                                    tenant,
                                                    model,
                                                    ids,
                                                    request.sampling(),
                                                    request.choices(),
                                                    p.getT1().intValue() * request.choices(),
                                                    null),
                                                echo(model, request, p.getT2()))))
                        .collectList()
                        .map(parts -> new Prepared(requestId, model, request, parts)));
    return checkLimits(request).then(rateLimits.admitDuring(tenant, prepared)); // rate limits
  }

  /**
   * One prompt's choices (interleaved), its echo first when asked; the controller answers the
   * prompts one after the other.
   */
  Flux<List<ChoiceEvent>> answer(Part part) {
    return echo(part).concatWith(answers.answer(part.plan())); // generate, detokenize, stop
  }

  /** The prompt's text as the first text of each of its choices, when echo was asked. */
  private static Flux<List<ChoiceEvent>> echo(Part part) {
    if (part.echo() == null || part.echo().isEmpty()) {
      return Flux.empty();
    }
    Plan plan = part.plan();
    var echoes = new ArrayList<ChoiceEvent>(plan.choices());
    for (int i = 0; i < plan.choices(); i++) {
      echoes.add(new ChoiceEvent(plan.firstIndex() + i, new TextDelta(part.echo(), List.of())));
    }
    return Flux.just(echoes);
  }

  private Mono<List<Integer>> ids(ServedModel model, CompletionPrompt prompt) {
    if (prompt.ids() == null) {
      return tokenizer.text(model.tokenizerModel(), prompt.text()).map(tokens -> tokens.ids());
    }
    int vocab = model.info().vocabSize();
    for (int id : prompt.ids()) {
      if (id >= vocab) {
        return Mono.error(
            ApiException.invalidRequest(
                "prompt", "token id " + id + " is not in the model's vocabulary of " + vocab));
      }
    }
    return Mono.just(prompt.ids());
  }

  private static String echo(ServedModel model, CompletionRequest request, CompletionPrompt p) {
    if (!request.echoes()) {
      return null;
    }
    return p.text() != null ? p.text() : model.decoder().decode(p.ids());
  }

  private Mono<Void> checkLimits(CompletionRequest request) {
    if (request.prompt().size() > limits.limits().maxPrompts()) {
      return RequestLimits.refuse(
          "prompt", "at most " + limits.limits().maxPrompts() + " prompts in one request");
    }
    return limits.check(request.sampling(), "max_tokens", request.choices());
  }

  private static Mono<List<Integer>> fits(ServedModel model, List<Integer> ids, int room) {
    if (ids.isEmpty()) {
      return Mono.error(ApiException.invalidRequest("prompt", "prompt has no tokens"));
    }
    if (ids.size() + room > model.contextLength()) {
      return Mono.error(
          ApiException.contextLengthExceeded("prompt", model.contextLength(), ids.size(), room));
    }
    return Mono.just(ids);
  }
}
