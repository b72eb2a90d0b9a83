package org.llmplatform.gateway.completion;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.completion.CompletionHandler.Prepared;
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

/**
 * {@code POST /v1/completions}: one {@code text_completion} with a choice per prompt and {@code n},
 * or a stream of them ({@link CompletionHandler} runs the request).
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
      @JsonProperty("top_logprobs") List<Map<String, Double>> topLogprobs) {
    static Logprobs of(List<TokenLogprob> tokens) {
      return new Logprobs(
          tokens.stream().map(t -> t.text() == null ? "" : t.text()).toList(),
          tokens.stream().map(t -> t.logprob() == null ? 0.0 : t.logprob()).toList(),
          tokens.stream().map(Logprobs::top).toList());
    }

    private static Map<String, Double> top(TokenLogprob t) {
      var top = new LinkedHashMap<String, Double>();
      t.top().forEach(a -> top.put(a.text() == null ? "" : a.text(), a.logprob()));
      return top;
    }
  }

  record Usage(
      @JsonProperty("prompt_tokens") int promptTokens,
      @JsonProperty("completion_tokens") int completionTokens,
      @JsonProperty("total_tokens") int totalTokens) {
    static Usage of(int prompt, int completion) {
      return new Usage(prompt, completion, prompt + completion);
    }
  }

  private final CompletionHandler handler;
  private final GatewayMetrics metrics;
  private final JsonMapper json;

  CompletionController(CompletionHandler handler, GatewayMetrics metrics, JsonMapper json) {
    this.handler = handler;
    this.metrics = metrics;
    this.json = json;
  }

  @ApiResponse(
      responseCode = "200",
      description = "a text_completion; with stream: true, text_completion events",
      content = {
        @Content(
            mediaType = MediaType.APPLICATION_JSON_VALUE,
            schema = @Schema(implementation = Completion.class)),
        @Content(
            mediaType = MediaType.TEXT_EVENT_STREAM_VALUE,
            schema = @Schema(implementation = Completion.class))
      })
  @PostMapping(path = "/v1/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
  Mono<ResponseEntity<Flux<DataBuffer>>> complete(
      @RequestBody CompletionRequest request, ServerWebExchange exchange) {
    return handler
        .prepare(request, Tenant.of(exchange), RequestId.of(exchange))
        .map(
            prepared ->
                request.streaming()
                    ? ResponseEntity.ok()
                        .contentType(MediaType.TEXT_EVENT_STREAM)
                        .body(
                            EventStream.of(
                                chunks(prepared),
                                json,
                                metrics,
                                exchange.getResponse().bufferFactory()))
                    : ResponseEntity.ok()
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(
                            JsonBody.of(
                                collect(prepared), json, exchange.getResponse().bufferFactory())));
  }

  private Mono<Completion> collect(Prepared prepared) {
    Answer none = new Answer(List.of(), 0, 0);
    return Flux.fromIterable(prepared.parts())
        .concatMap(part -> Answer.collect(handler.answer(part)))
        .reduce(none, Answer::plus)
        .map(
            answer ->
                completion(
                    prepared,
                    answer.choices().stream()
                        .map(
                            c ->
                                new Choice(
                                    c.text(),
                                    c.index(),
                                    logprobs(prepared, c.tokens()),
                                    c.finishReason()))
                        .toList(),
                    Usage.of(answer.promptTokens(), answer.completionTokens())));
  }

  /**
   * Each event as a chunk of its choice, in batches as the events came; with {@code include_usage},
   * a last chunk of usage.
   */
  private Flux<List<Completion>> chunks(Prepared prepared) {
    return Flux.defer(
        () -> {
          var completionTokens = new int[1];
          Flux<List<Completion>> chunks =
              Flux.fromIterable(prepared.parts())
                  .concatMap(part -> handler.answer(part))
                  .map(
                      batch -> {
                        var out = new ArrayList<Completion>(batch.size());
                        for (ChoiceEvent event : batch) {
                          switch (event.event()) {
                            case TextDelta delta ->
                                out.add(
                                    completion(
                                        prepared,
                                        List.of(
                                            new Choice(
                                                delta.text(),
                                                event.index(),
                                                logprobs(prepared, delta.tokens()),
                                                null)),
                                        null));
                            case ToolCalled called -> {} // none: completions have no tools
                            case Finished f -> {
                              completionTokens[0] += f.completionTokens();
                              out.add(
                                  completion(
                                      prepared,
                                      List.of(
                                          new Choice("", event.index(), null, f.finishReason())),
                                      null));
                            }
                          }
                        }
                        return (List<Completion>) out;
                      })
                  .filter(batch -> !batch.isEmpty());
          if (!prepared.request().includeUsage()) {
            return chunks;
          }
          return chunks.concatWith(
              Mono.fromSupplier(
                  () ->
                      List.of(
                          completion(
                              prepared,
                              List.of(),
                              Usage.of(promptTokens(prepared), completionTokens[0])))));
        });
  }

  private static int promptTokens(Prepared prepared) {
    return prepared.parts().stream().mapToInt(part -> part.plan().promptTokens()).sum();
  }

  private static Completion completion(Prepared prepared, List<Choice> choices, Usage usage) {
    return new Completion(
        "cmpl-" + prepared.requestId(),
        "text_completion",
        Instant.now().getEpochSecond(),
        prepared.model().name(),
        choices,
        usage);
  }

  private static Logprobs logprobs(Prepared prepared, List<TokenLogprob> tokens) {
    return prepared.request().logprobs() == null ? null : Logprobs.of(tokens);
  }
}
