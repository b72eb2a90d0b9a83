package org.llmplatform.inference.api;

import io.micrometer.tracing.Tracer;
import java.util.ArrayList;
import java.util.List;
import org.llmplatform.api.inference.FinishEvent;
import org.llmplatform.api.inference.GenerateRequest;
import org.llmplatform.api.inference.GenerateResponse;
import org.llmplatform.api.inference.ModelInfo;
import org.llmplatform.api.inference.StreamEvent;
import org.llmplatform.api.inference.TokenEvent;
import org.llmplatform.api.inference.Usage;
import org.llmplatform.http.tracing.TraceIdHeaderFilter;
import org.llmplatform.inference.constraint.OutputConstraints;
import org.llmplatform.inference.constraint.RequestConstraint;
import org.llmplatform.inference.drain.Drain;
import org.llmplatform.inference.engine.GenerationRequest;
import org.llmplatform.inference.engine.InferenceEngine;
import org.llmplatform.inference.sampling.InvalidParameterException;
import org.llmplatform.inference.sampling.SamplingParams;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The internal API the gateway calls: token ids in, token ids out. A client that goes away cancels
 * its request (the engine frees its slot within one decode step).
 */
@RestController
class GenerateController {

  private final InferenceEngine engine;
  private final ObjectProvider<OutputConstraints> constraints;
  private final ObjectProvider<Tracer> tracer;
  private final Drain drain;

  GenerateController(
      InferenceEngine engine,
      ObjectProvider<OutputConstraints> constraints,
      ObjectProvider<Tracer> tracer,
      Drain drain) {
    this.engine = engine;
    this.drain = drain;
    this.constraints = constraints;
    this.tracer = tracer;
  }

  @PostMapping(path = "/v1/internal/generate", consumes = MediaType.APPLICATION_JSON_VALUE)
  Mono<ResponseEntity<Object>> generate(
      @RequestBody GenerateRequest body, ServerWebExchange exchange) {
    drain.checkAdmitting();
    SamplingParams params = GenerationDefaultsResolver.resolve(body, engine.spec());
    if (body.constraint() == null) {
      return run(body, params, null, exchange);
    }
    // compiled off the event loop, or taken from the cache; a refusal is a 400 naming the field
    return Mono.fromFuture(() -> constraints().prepare(body.constraint(), params))
        .flatMap(constraint -> run(body, params, constraint, exchange));
  }

  private OutputConstraints constraints() {
    OutputConstraints c = constraints.getIfAvailable();
    if (c == null) {
      throw new InvalidParameterException(
          "constraint", "constraint is not available on this service");
    }
    return c;
  }

  /** Submits the request; its events streamed, or aggregated into one response. */
  private Mono<ResponseEntity<Object>> run(
      GenerateRequest body,
      SamplingParams params,
      RequestConstraint constraint,
      ServerWebExchange exchange) {
    int n = body.choices();
    var listener = new SinkListener(params.logprobs() != null, n);
    var request =
        new GenerationRequest(
            body.inputIds().stream().mapToInt(Integer::intValue).toArray(),
            params,
            n,
            listener,
            constraint);
    Flux<StreamEvent> events = traced(listener.events(), request, exchange);
    engine.submit(request);
    events = events.doOnCancel(() -> engine.cancel(request));
    if (body.streaming()) {
      // each event named (token / finish): a reader picks the record by name, not by its text
      Flux<ServerSentEvent<StreamEvent>> named =
          events.map(e -> ServerSentEvent.builder(e).event(e.sseName()).build());
      return Mono.just(ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).body(named));
    }
    return events
        .collectList()
        .map(all -> ResponseEntity.ok().body(aggregate(all, params.logprobs() != null, n)));
  }

  /** The events, recording the request's queue, prefill and decode spans when tracing is on. */
  private Flux<StreamEvent> traced(
      Flux<StreamEvent> events, GenerationRequest request, ServerWebExchange exchange) {
    Tracer t = tracer.getIfAvailable();
    var parent = TraceIdHeaderFilter.serverSpan(exchange);
    if (t == null || parent.isEmpty() || parent.get().isNoop()) {
      return events;
    }
    var spans = new GenerationSpans(t, parent.get(), request);
    return events.doOnNext(spans::event).doFinally(spans::end);
  }

  /**
   * The events of {@code n} choices as one response: with n > 1 the top-level fields are choice
   * 0's, the usage counts the prompt once and every choice's tokens, and {@code choices} holds
   * each.
   */
  private static Object aggregate(List<StreamEvent> events, boolean logprobs, int n) {
    List<List<TokenEvent>> tokens = new ArrayList<>();
    FinishEvent[] finishes = new FinishEvent[n];
    for (int i = 0; i < n; i++) {
      tokens.add(new ArrayList<>());
    }
    for (StreamEvent e : events) {
      switch (e) {
        case TokenEvent t -> tokens.get(t.choice()).add(t);
        case FinishEvent f -> finishes[f.choice()] = f;
      }
    }
    List<GenerateResponse.Choice> choices = new ArrayList<>();
    int completion = 0;
    for (int i = 0; i < n; i++) {
      FinishEvent finish = finishes[i];
      if (finish == null || "error".equals(finish.finishReason())) {
        throw new GenerationFailedException(finish == null ? "no result" : finish.error());
      }
      List<Integer> ids = tokens.get(i).stream().map(TokenEvent::tokenId).toList();
      choices.add(
          new GenerateResponse.Choice(
              i, ids, finish.finishReason(), finish.usage(), logprobs ? tokens.get(i) : null));
      completion += finish.usage().completionTokens();
    }
    GenerateResponse.Choice first = choices.getFirst();
    if (n == 1) {
      return new GenerateResponse(
          first.outputIds(), first.finishReason(), first.usage(), first.logprobs());
    }
    Usage total = new Usage(first.usage().promptTokens(), completion);
    return new GenerateResponse(
        first.outputIds(), first.finishReason(), total, first.logprobs(), choices);
  }

  @GetMapping("/v1/internal/model")
  ModelInfo model() {
    var spec = engine.spec();
    return new ModelInfo(
        spec.name(),
        spec.vocabSize(),
        spec.contextLength(),
        spec.numLayers(),
        spec.kvHeads(),
        spec.headDim(),
        spec.kvType().name().toLowerCase(java.util.Locale.ROOT),
        spec.eosIds(),
        engine.device());
  }
}
