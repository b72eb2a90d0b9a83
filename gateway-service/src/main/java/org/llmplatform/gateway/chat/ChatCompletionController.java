package org.llmplatform.gateway.chat;

import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.chat.ChatCompletionHandler.Turn;
import org.llmplatform.gateway.chat.ChatResponses.ChatCompletion;
import org.llmplatform.gateway.chat.ChatResponses.Choice;
import org.llmplatform.gateway.chat.ChatResponses.Chunk;
import org.llmplatform.gateway.chat.ChatResponses.ChunkChoice;
import org.llmplatform.gateway.chat.ChatResponses.Delta;
import org.llmplatform.gateway.chat.ChatResponses.DeltaToolCall;
import org.llmplatform.gateway.chat.ChatResponses.Logprobs;
import org.llmplatform.gateway.chat.ChatResponses.Message;
import org.llmplatform.gateway.chat.ChatResponses.Usage;
import org.llmplatform.gateway.generation.Answer;
import org.llmplatform.gateway.generation.ChoiceEvent;
import org.llmplatform.gateway.generation.EventStream;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.GenerationEvent.TokenLogprob;
import org.llmplatform.gateway.generation.GenerationEvent.ToolCalled;
import org.llmplatform.gateway.generation.JsonBody;
import org.llmplatform.gateway.observability.GatewayMetrics;
import org.llmplatform.gateway.observability.RequestId;
import org.springframework.core.io.buffer.DataBuffer;
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

  @ApiResponse(
      responseCode = "200",
      description = "a chat.completion; with stream: true, chat.completion.chunk events",
      content = {
        @Content(
            mediaType = MediaType.APPLICATION_JSON_VALUE,
            schema = @Schema(implementation = ChatCompletion.class)),
        @Content(
            mediaType = MediaType.TEXT_EVENT_STREAM_VALUE,
            schema = @Schema(implementation = Chunk.class))
      })
  @PostMapping(path = "/v1/chat/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
  Mono<ResponseEntity<Flux<DataBuffer>>> complete(
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
                      .body(
                          EventStream.of(
                              chunks(turn), json, metrics, exchange.getResponse().bufferFactory()))
                  : response
                      .contentType(MediaType.APPLICATION_JSON)
                      .body(
                          JsonBody.of(collect(turn), json, exchange.getResponse().bufferFactory()));
            });
  }

  private Mono<ChatCompletion> collect(Turn turn) {
    return Answer.collect(handler.answer(turn))
        .map(
            answer ->
                new ChatCompletion(
                    id(turn),
                    "chat.completion",
                    Instant.now().getEpochSecond(),
                    turn.model().name(),
                    answer.choices().stream()
                        .map(
                            c ->
                                new Choice(
                                    c.index(),
                                    Message.of(c.text(), c.toolCalls()),
                                    logprobs(turn, c.tokens()),
                                    c.finishReason()))
                        .toList(),
                    Usage.of(answer.promptTokens(), answer.completionTokens()),
                    turn.sessionId()));
  }

  /**
   * Each choice's chunks: its role first, then its text, then its finish reason; with {@code
   * include_usage}, a last chunk with the usage of all choices. In batches, as the events came.
   */
  private Flux<List<Object>> chunks(Turn turn) {
    return Flux.defer(() -> chunksOnce(turn)); // its state is per subscription
  }

  private Flux<List<Object>> chunksOnce(Turn turn) {
    long created = Instant.now().getEpochSecond();
    // the text chunks' bytes from a template, unless each carries its own logprobs
    TextChunks texts =
        Boolean.TRUE.equals(turn.request().logprobs())
            ? null
            : new TextChunks(
                chunk(turn, created, new ChunkChoice(0, new Delta(null, ""), null, null)), json);
    var started = new BitSet();
    var calls = new HashMap<Integer, Integer>(); // choice -> its calls so far
    var usage = new int[2]; // prompt, completion
    Flux<List<Object>> chunks =
        handler
            .answer(turn)
            .map(
                batch -> {
                  var out = new ArrayList<Object>(batch.size() + 1);
                  for (ChoiceEvent event : batch) {
                    int index = event.index();
                    if (!started.get(index)) {
                      started.set(index);
                      out.add(
                          chunk(
                              turn,
                              created,
                              new ChunkChoice(index, new Delta("assistant", ""), null, null)));
                    }
                    if (texts != null && event.event() instanceof TextDelta delta) {
                      out.add(texts.of(index, delta.text()));
                    } else {
                      out.add(chunk(turn, created, choice(turn, event, calls, usage)));
                    }
                  }
                  return out;
                });
    if (!turn.request().includeUsage()) {
      return chunks;
    }
    return chunks.concatWith(
        Mono.fromSupplier(
            () ->
                List.<Object>of(
                    new Chunk(
                        id(turn),
                        "chat.completion.chunk",
                        created,
                        turn.model().name(),
                        List.of(),
                        Usage.of(usage[0], usage[1]),
                        turn.sessionId()))));
  }

  /** The chunk's choice for one event: text, a tool call, or the finish (counted in usage). */
  private static ChunkChoice choice(
      Turn turn, ChoiceEvent event, HashMap<Integer, Integer> calls, int[] usage) {
    int index = event.index();
    return switch (event.event()) {
      case TextDelta delta ->
          new ChunkChoice(
              index, new Delta(null, delta.text()), logprobs(turn, delta.tokens()), null);
      case ToolCalled called -> {
        int call = calls.merge(index, 1, Integer::sum) - 1;
        yield new ChunkChoice(
            index,
            new Delta(null, null, List.of(DeltaToolCall.of(call, called.call()))),
            null,
            null);
      }
      case Finished finished -> {
        usage[0] = finished.promptTokens();
        usage[1] += finished.completionTokens();
        yield new ChunkChoice(index, new Delta(null, null), null, finished.finishReason());
      }
    };
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
