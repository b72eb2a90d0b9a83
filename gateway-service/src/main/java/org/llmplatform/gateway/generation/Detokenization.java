package org.llmplatform.gateway.generation;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.gateway.client.Downstreams;
import org.llmplatform.gateway.client.InferenceClient.GenerateEvent;
import org.llmplatform.gateway.client.TokenizerClient;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.GenerationEvent.TokenLogprob;
import org.llmplatform.gateway.model.ServedModel;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The detokenize hop: turns token events into text that is final. Each step decodes all ids so far
 * (so multi-byte characters split across tokens and SentencePiece's leading space come out exactly
 * as a one-shot decode) and emits what was added, holding text back while it ends in an incomplete
 * character (U+FFFD). Tokens that arrive while a decode is in flight are covered by the next one.
 */
@Component
public class Detokenization {

  private static final char INCOMPLETE = '\uFFFD';
  private static final int PREFETCH = 256;

  private final TokenizerClient tokenizer;

  Detokenization(Downstreams downstreams) {
    this.tokenizer = downstreams.tokenizer();
  }

  public Flux<GenerationEvent> detokenize(
      ServedModel model, int promptTokens, boolean withLogprobs, Flux<GenerateEvent> tokens) {
    return Flux.defer(
        () -> {
          var state = new State();
          return tokens
              .doOnNext(state::received)
              .concatMap(
                  event ->
                      event.tokenId() != null
                          ? step(model, state, withLogprobs, false)
                          : step(model, state, withLogprobs, true)
                              .concatWith(Mono.just(finished(event, promptTokens, state))),
                  // prefetch: tokens must keep arriving (and be batched into the next decode) while
                  // a decode is in flight; concatMap's default (Reactor 3.5+) prefetches nothing
                  PREFETCH);
        });
  }

  private Flux<GenerationEvent> step(
      ServedModel model, State state, boolean withLogprobs, boolean last) {
    List<Integer> ids;
    List<GenerateEvent> covered;
    synchronized (state) {
      if (state.decoded == state.ids.size() && !(last && state.held)) {
        return Flux.empty();
      }
      ids = List.copyOf(state.ids);
      covered = List.copyOf(state.events.subList(state.decoded, state.ids.size()));
      state.decoded = ids.size();
    }
    return tokenizer
        .detokenize(model.tokenizerModel(), ids)
        .flatMapMany(
            text -> {
              if (!last && !text.isEmpty() && text.charAt(text.length() - 1) == INCOMPLETE) {
                state.held = true;
                state.pending.addAll(covered);
                return Flux.empty();
              }
              state.held = false;
              String delta =
                  text.length() > state.emitted.length()
                      ? text.substring(state.emitted.length())
                      : "";
              state.emitted = text;
              var tokensOfDelta = new ArrayList<>(state.pending);
              tokensOfDelta.addAll(covered);
              state.pending.clear();
              if (delta.isEmpty()) {
                state.pending.addAll(tokensOfDelta);
                return Flux.empty();
              }
              return logprobs(model, tokensOfDelta, withLogprobs)
                  .map(lp -> (GenerationEvent) new TextDelta(delta, lp))
                  .flux();
            });
  }

  private Mono<List<TokenLogprob>> logprobs(
      ServedModel model, List<GenerateEvent> events, boolean withLogprobs) {
    if (!withLogprobs) {
      return Mono.just(
          events.stream().map(e -> new TokenLogprob(e.tokenId(), null, null, null)).toList());
    }
    return Flux.fromIterable(events)
        .concatMap(
            e ->
                Mono.zip(
                    text(model, e.tokenId()),
                    Flux.fromIterable(e.topLogprobs() == null ? List.of() : e.topLogprobs())
                        .concatMap(
                            alt ->
                                text(model, alt.tokenId())
                                    .map(
                                        t ->
                                            new TokenLogprob(
                                                alt.tokenId(), t, alt.logprob(), null)))
                        .collectList(),
                    (t, top) -> new TokenLogprob(e.tokenId(), t, e.logprob(), top)))
        .collectList();
  }

  private Mono<String> text(ServedModel model, int id) {
    return tokenizer.detokenize(model.tokenizerModel(), List.of(id));
  }

  private static Finished finished(GenerateEvent end, int promptTokens, State state) {
    int completion = end.usage() != null ? end.usage().completionTokens() : state.ids.size();
    String reason = "length".equals(end.finishReason()) ? "length" : "stop";
    return new Finished(reason, promptTokens, completion);
  }

  /** The ids received so far and how far they have been decoded and emitted. */
  private static final class State {
    final List<Integer> ids = new ArrayList<>();
    final List<GenerateEvent> events = new ArrayList<>();
    final List<GenerateEvent> pending = new ArrayList<>();
    int decoded;
    boolean held;
    String emitted = "";

    synchronized void received(GenerateEvent event) {
      if (event.tokenId() != null) {
        ids.add(event.tokenId());
        events.add(event);
      }
    }
  }
}
