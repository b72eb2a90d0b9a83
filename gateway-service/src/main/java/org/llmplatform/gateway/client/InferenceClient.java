package org.llmplatform.gateway.client;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** inference-service's internal API for one model: streamed generation and the model's shape. */
public final class InferenceClient {

  /** {@code POST /v1/internal/generate}; null fields take the model's defaults. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record GenerateRequest(
      @JsonProperty("input_ids") List<Integer> inputIds,
      @JsonProperty("max_new_tokens") Integer maxNewTokens,
      Double temperature,
      @JsonProperty("top_k") Integer topK,
      @JsonProperty("top_p") Double topP,
      @JsonProperty("min_p") Double minP,
      @JsonProperty("repetition_penalty") Double repetitionPenalty,
      @JsonProperty("presence_penalty") Double presencePenalty,
      @JsonProperty("frequency_penalty") Double frequencyPenalty,
      @JsonProperty("logit_bias") Map<String, Double> logitBias,
      Long seed,
      @JsonProperty("stop_token_ids") List<Integer> stopTokenIds,
      Integer logprobs,
      @JsonProperty("num_beams") Integer numBeams,
      @JsonProperty("length_penalty") Double lengthPenalty,
      boolean stream) {
    public GenerateRequest {
      inputIds = List.copyOf(inputIds);
    }
  }

  /** One alternative token with its log-probability. */
  public record TopLogprob(@JsonProperty("token_id") int tokenId, double logprob) {}

  /** Token counts of a finished generation. */
  public record Usage(
      @JsonProperty("prompt_tokens") int promptTokens,
      @JsonProperty("completion_tokens") int completionTokens) {}

  /**
   * One event of the generation stream: a token ({@code token_id} set) or the end ({@code
   * finish_reason} set, with usage).
   */
  public record GenerateEvent(
      @JsonProperty("token_id") Integer tokenId,
      Double logprob,
      @JsonProperty("top_logprobs") List<TopLogprob> topLogprobs,
      @JsonProperty("finish_reason") String finishReason,
      Usage usage,
      String error) {}

  /** The model's shape, from {@code GET /v1/internal/model}. */
  public record ModelInfo(
      String name,
      @JsonProperty("vocab_size") int vocabSize,
      @JsonProperty("context_length") @JsonAlias({"max_position_embeddings", "context"})
          int contextLength,
      @JsonProperty("eos_token_ids") @JsonAlias({"eos_ids", "eos_token_id"})
          List<Integer> eosTokenIds) {}

  private static final ParameterizedTypeReference<ServerSentEvent<GenerateEvent>> EVENTS =
      new ParameterizedTypeReference<>() {};

  private final WebClient http;
  private final Downstream downstream;

  InferenceClient(WebClient http, Downstream downstream) {
    this.http = http;
    this.downstream = downstream;
  }

  /**
   * Streams a generation. Cancelling the returned flux closes the connection, which cancels the
   * request in inference-service.
   */
  public Flux<GenerateEvent> generate(GenerateRequest request) {
    return downstream.stream(
        http.post()
            .uri("/v1/internal/generate")
            .accept(MediaType.TEXT_EVENT_STREAM)
            .bodyValue(request)
            .retrieve()
            .bodyToFlux(EVENTS)
            .mapNotNull(ServerSentEvent::data));
  }

  public Mono<ModelInfo> model() {
    return downstream.call(
        http.get().uri("/v1/internal/model").retrieve().bodyToMono(ModelInfo.class), true);
  }

  public Downstream downstream() {
    return downstream;
  }
}
