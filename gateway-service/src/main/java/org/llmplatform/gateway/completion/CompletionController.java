package org.llmplatform.gateway.completion;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.llmplatform.api.tokenizer.TokenizeResponse;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.client.Downstreams;
import org.llmplatform.gateway.client.TokenizerClient;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.generation.Detokenization;
import org.llmplatform.gateway.generation.EventStream;
import org.llmplatform.gateway.generation.Generation;
import org.llmplatform.gateway.generation.GenerationEvent;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.GenerationEvent.TokenLogprob;
import org.llmplatform.gateway.generation.StopStrings;
import org.llmplatform.gateway.model.ModelCatalog;
import org.llmplatform.gateway.model.ServedModel;
import org.llmplatform.gateway.observability.GatewayMetrics;
import org.llmplatform.gateway.observability.RequestId;
import org.llmplatform.gateway.ratelimit.RateLimits;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/completions}: tokenize the plain prompt → generate → detokenize → stop strings →
 * one {@code text_completion} or a stream of them.
 */
@RestController
class CompletionController {

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Completion(
      String id,
      String object,
      long created,
      String model,
      List<Choice> choices,
      @JsonInclude(JsonInclude.Include.ALWAYS) Usage usage) {}

  @JsonInclude(JsonInclude.Include.ALWAYS)
  record Choice(
      String text,
      int index,
      Logprobs logprobs,
      @JsonProperty("finish_reason") String finishReason) {}

  record Logprobs(
      List<String> tokens,
      @JsonProperty("token_logprobs") List<Double> tokenLogprobs,
      @JsonProperty("top_logprobs") List<java.util.Map<String, Double>> topLogprobs) {
    static Logprobs of(List<TokenLogprob> tokens) {
      return new Logprobs(
          tokens.stream().map(t -> t.text() == null ? "" : t.text()).toList(),
          tokens.stream().map(t -> t.logprob() == null ? 0.0 : t.logprob()).toList(),
          tokens.stream()
              .map(
                  t -> {
                    var top = new java.util.LinkedHashMap<String, Double>();
                    t.top().forEach(a -> top.put(a.text() == null ? "" : a.text(), a.logprob()));
                    return (java.util.Map<String, Double>) top;
                  })
              .toList());
    }
  }

  record Usage(
      @JsonProperty("prompt_tokens") int promptTokens,
      @JsonProperty("completion_tokens") int completionTokens,
      @JsonProperty("total_tokens") int totalTokens) {}

  private record Prepared(
      String requestId, long start, Tenant tenant, ServedModel model, TokenizeResponse prompt) {}

  private final GatewayProperties.Limits limits;
  private final RateLimits rateLimits;
  private final ModelCatalog models;
  private final TokenizerClient tokenizer;
  private final Generation generation;
  private final Detokenization detokenization;
  private final GatewayMetrics metrics;
  private final JsonMapper json;

  CompletionController(
      GatewayProperties properties,
      RateLimits rateLimits,
      ModelCatalog models,
      Downstreams downstreams,
      Generation generation,
      Detokenization detokenization,
      GatewayMetrics metrics,
      JsonMapper json) {
    this.limits = properties.limits();
    this.rateLimits = rateLimits;
    this.models = models;
    this.tokenizer = downstreams.tokenizer();
    this.generation = generation;
    this.detokenization = detokenization;
    this.metrics = metrics;
    this.json = json;
  }

  @PostMapping(path = "/v1/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
  Mono<ResponseEntity<?>> complete(
      @RequestBody CompletionRequest request, ServerWebExchange exchange) {
    long start = System.nanoTime();
    Tenant tenant = Tenant.of(exchange);
    Mono<Prepared> preparation =
        models
            .resolve(request.model())
            .flatMap(
                model ->
                    tokenizer
                        .text(model.tokenizerModel(), request.text()) // tokenize
                        .flatMap(tokens -> fits(model, tokens, request.completionLimit()))
                        .map(
                            tokens ->
                                new Prepared(
                                    RequestId.of(exchange), start, tenant, model, tokens)));
    return checkLimits(request)
        .then(rateLimits.admitDuring(tenant, preparation))
        .map(
            prepared ->
                request.streaming()
                    ? ResponseEntity.ok()
                        .contentType(MediaType.TEXT_EVENT_STREAM)
                        .body(EventStream.of(chunks(prepared, request), json, metrics))
                    : ResponseEntity.ok()
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(collect(prepared, request)));
  }

  private Flux<GenerationEvent> answer(Prepared prepared, CompletionRequest request) {
    var ids = prepared.prompt().ids();
    var sampling = request.sampling();
    var tokens = generation.generate(prepared.model(), ids, sampling); // generate
    var text =
        detokenization.detokenize(
            prepared.model(), ids.size(), sampling.logprobs() != null, tokens); // detokenize
    return metrics
        .observe(
            prepared.model().name(),
            prepared.start(),
            StopStrings.apply(sampling.stop(), ids.size(), text)) // stop strings
        .doOnNext(
            event -> {
              if (event instanceof Finished f) {
                rateLimits.charge(prepared.tenant(), f.completionTokens());
              }
            });
  }

  private Mono<Completion> collect(Prepared prepared, CompletionRequest request) {
    var text = new StringBuilder();
    var tokens = new ArrayList<TokenLogprob>();
    return answer(prepared, request)
        .doOnNext(
            event -> {
              if (event instanceof TextDelta delta) {
                text.append(delta.text());
                tokens.addAll(delta.tokens());
              }
            })
        .ofType(Finished.class)
        .last()
        .map(
            f ->
                completion(
                    prepared,
                    new Choice(text.toString(), 0, logprobs(request, tokens), f.finishReason()),
                    new Usage(
                        f.promptTokens(),
                        f.completionTokens(),
                        f.promptTokens() + f.completionTokens())));
  }

  private Flux<Completion> chunks(Prepared prepared, CompletionRequest request) {
    return answer(prepared, request)
        .concatMapIterable(
            event ->
                switch (event) {
                  case TextDelta delta ->
                      List.of(
                          completion(
                              prepared,
                              new Choice(delta.text(), 0, logprobs(request, delta.tokens()), null),
                              null));
                  case Finished f -> {
                    var out = new ArrayList<Completion>();
                    out.add(completion(prepared, new Choice("", 0, null, f.finishReason()), null));
                    if (request.includeUsage()) {
                      out.add(
                          new Completion(
                              "cmpl-" + prepared.requestId(),
                              "text_completion",
                              Instant.now().getEpochSecond(),
                              prepared.model().name(),
                              List.of(),
                              new Usage(
                                  f.promptTokens(),
                                  f.completionTokens(),
                                  f.promptTokens() + f.completionTokens())));
                    }
                    yield out;
                  }
                });
  }

  private static Completion completion(Prepared prepared, Choice choice, Usage usage) {
    return new Completion(
        "cmpl-" + prepared.requestId(),
        "text_completion",
        Instant.now().getEpochSecond(),
        prepared.model().name(),
        List.of(choice),
        usage);
  }

  private static Logprobs logprobs(CompletionRequest request, List<TokenLogprob> tokens) {
    return request.logprobs() == null ? null : Logprobs.of(tokens);
  }

  private Mono<Void> checkLimits(CompletionRequest request) {
    if (request.completionLimit() > limits.maxTokens()) {
      return Mono.error(
          ApiException.invalidRequest(
              "max_tokens", "at most " + limits.maxTokens() + " tokens may be asked for"));
    }
    if (request.stop().size() > limits.maxStop()) {
      return Mono.error(
          ApiException.invalidRequest("stop", "at most " + limits.maxStop() + " stop strings"));
    }
    return Mono.empty();
  }

  private static Mono<TokenizeResponse> fits(ServedModel model, TokenizeResponse tokens, int room) {
    if (tokens.count() + room > model.contextLength()) {
      return Mono.error(
          ApiException.contextLengthExceeded(
              "prompt", model.contextLength(), tokens.count(), room));
    }
    return Mono.just(tokens);
  }
}
