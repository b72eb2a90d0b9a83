package org.llmplatform.inference.api;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.api.inference.FinishEvent;
import org.llmplatform.api.inference.GenerateRequest;
import org.llmplatform.api.inference.GenerateResponse;
import org.llmplatform.api.inference.ModelInfo;
import org.llmplatform.api.inference.StreamEvent;
import org.llmplatform.api.inference.TokenEvent;
import org.llmplatform.inference.engine.GenerationRequest;
import org.llmplatform.inference.engine.InferenceEngine;
import org.llmplatform.inference.sampling.SamplingParams;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The internal API the gateway calls: token ids in, token ids out. A client that goes away cancels
 * its request (the engine frees its slot within one decode step).
 */
@RestController
class GenerateController {

  private final InferenceEngine engine;

  GenerateController(InferenceEngine engine) {
    this.engine = engine;
  }

  @PostMapping(path = "/v1/internal/generate", consumes = MediaType.APPLICATION_JSON_VALUE)
  Mono<ResponseEntity<Object>> generate(@RequestBody GenerateRequest body) {
    SamplingParams params = GenerationDefaultsResolver.resolve(body, engine.spec());
    var listener = new SinkListener(params.logprobs() != null);
    var request =
        new GenerationRequest(
            body.inputIds().stream().mapToInt(Integer::intValue).toArray(), params, listener);
    engine.submit(request);
    Flux<StreamEvent> events = listener.events().doOnCancel(() -> engine.cancel(request));
    if (body.streaming()) {
      // each event named (token / finish): a reader picks the record by name, not by its text
      Flux<ServerSentEvent<StreamEvent>> named =
          events.map(e -> ServerSentEvent.builder(e).event(e.sseName()).build());
      return Mono.just(ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).body(named));
    }
    return events
        .collectList()
        .map(all -> ResponseEntity.ok().body(aggregate(all, params.logprobs() != null)));
  }

  private static Object aggregate(List<StreamEvent> events, boolean logprobs) {
    List<Integer> ids = new ArrayList<>();
    List<TokenEvent> tokens = new ArrayList<>();
    FinishEvent finish = null;
    for (StreamEvent e : events) {
      switch (e) {
        case TokenEvent t -> {
          ids.add(t.tokenId());
          tokens.add(t);
        }
        case FinishEvent f -> finish = f;
      }
    }
    if (finish == null || "error".equals(finish.finishReason())) {
      throw new GenerationFailedException(finish == null ? "no result" : finish.error());
    }
    return new GenerateResponse(
        ids, finish.finishReason(), finish.usage(), logprobs ? tokens : null);
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
