package org.llmplatform.gateway.chat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.chat.ChatCompletionHandler.Turn;
import org.llmplatform.gateway.chat.ChatResponses.ChatCompletion;
import org.llmplatform.gateway.chat.ChatResponses.Choice;
import org.llmplatform.gateway.chat.ChatResponses.Chunk;
import org.llmplatform.gateway.chat.ChatResponses.ChunkChoice;
import org.llmplatform.gateway.chat.ChatResponses.Delta;
import org.llmplatform.gateway.chat.ChatResponses.Logprobs;
import org.llmplatform.gateway.chat.ChatResponses.Message;
import org.llmplatform.gateway.chat.ChatResponses.Usage;
import org.llmplatform.gateway.generation.EventStream;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.GenerationEvent.TokenLogprob;
import org.llmplatform.gateway.observability.GatewayMetrics;
import org.llmplatform.gateway.observability.RequestId;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** {@code POST /v1/chat/completions}: one {@code chat.completion}, or a stream of chunks. */
@RestController
class ChatCompletionController {

  private final ChatCompletionHandler handler;
  private final JsonMapper json;
  private final GatewayMetrics metrics;

  ChatCompletionController(ChatCompletionHandler handler, JsonMapper json, GatewayMetrics metrics) {
    this.handler = handler;
    this.json = json;
    this.metrics = metrics;
  }

  /** Answers {@code true} when a retried session turn is answered from the session. */
  static final String REPLAYED_HEADER = "Idempotent-Replayed";

  @PostMapping(path = "/v1/chat/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
  Mono<ResponseEntity<?>> complete(
      @RequestBody ChatCompletionRequest request, ServerWebExchange exchange) {
    String requestId = RequestId.of(exchange);
    String idempotencyKey = exchange.getRequest().getHeaders().getFirst(TurnKey.HEADER);
    return handler
        .prepare(request, Tenant.of(exchange), requestId, idempotencyKey)
        .map(
            turn -> {
              var response = ResponseEntity.ok();
              if (turn.sessionId() != null) {
                // the key to retry this turn with: it never stores the turn twice
                response.header(TurnKey.HEADER, turn.key().value());
                response.header(REPLAYED_HEADER, Boolean.toString(turn.replayed()));
              }
              return request.streaming()
                  ? response
                      .contentType(MediaType.TEXT_EVENT_STREAM)
                      .body(EventStream.of(chunks(turn), json, metrics))
                  : response.contentType(MediaType.APPLICATION_JSON).body(collect(turn));
            });
  }

  private Mono<ChatCompletion> collect(Turn turn) {
    var text = new StringBuilder();
    var tokens = new ArrayList<TokenLogprob>();
    return handler
        .answer(turn)
        .doOnNext(
            event -> {
              if (event instanceof TextDelta delta) {
                text.append(delta.text());
                tokens.addAll(delta.tokens());
              }
            })
        .filter(Finished.class::isInstance)
        .cast(Finished.class)
        .last()
        .map(
            finished ->
                new ChatCompletion(
                    id(turn),
                    "chat.completion",
                    Instant.now().getEpochSecond(),
                    turn.model().name(),
                    List.of(
                        new Choice(
                            0,
                            new Message("assistant", text.toString()),
                            logprobs(turn, tokens),
                            finished.finishReason())),
                    Usage.of(finished.promptTokens(), finished.completionTokens()),
                    turn.sessionId()));
  }

  private Flux<Chunk> chunks(Turn turn) {
    long created = Instant.now().getEpochSecond();
    var first = new AtomicBoolean(true);
    return handler
        .answer(turn)
        .concatMapIterable(
            event -> {
              var out = new ArrayList<Chunk>();
              if (first.getAndSet(false)) {
                out.add(
                    chunk(
                        turn, created, new ChunkChoice(0, new Delta("assistant", ""), null, null)));
              }
              switch (event) {
                case TextDelta delta ->
                    out.add(
                        chunk(
                            turn,
                            created,
                            new ChunkChoice(
                                0,
                                new Delta(null, delta.text()),
                                logprobs(turn, delta.tokens()),
                                null)));
                case Finished finished -> {
                  out.add(
                      chunk(
                          turn,
                          created,
                          new ChunkChoice(
                              0, new Delta(null, null), null, finished.finishReason())));
                  if (turn.request().includeUsage()) {
                    out.add(
                        new Chunk(
                            id(turn),
                            "chat.completion.chunk",
                            created,
                            turn.model().name(),
                            List.of(),
                            Usage.of(finished.promptTokens(), finished.completionTokens()),
                            turn.sessionId()));
                  }
                }
              }
              return out;
            });
  }

  private static Chunk chunk(Turn turn, long created, ChunkChoice choice) {
    return new Chunk(
        id(turn),
        "chat.completion.chunk",
        created,
        turn.model().name(),
        List.of(choice),
        null,
        turn.sessionId());
  }

  private static Logprobs logprobs(Turn turn, List<TokenLogprob> tokens) {
    return Boolean.TRUE.equals(turn.request().logprobs()) ? Logprobs.of(tokens) : null;
  }

  private static String id(Turn turn) {
    return "chatcmpl-" + turn.requestId();
  }
}
