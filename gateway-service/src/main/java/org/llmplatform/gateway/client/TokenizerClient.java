package org.llmplatform.gateway.client;

import java.util.List;
import org.llmplatform.api.tokenizer.ChatMessage;
import org.llmplatform.api.tokenizer.TokenizeRequest;
import org.llmplatform.api.tokenizer.TokenizeResponse;
import org.llmplatform.api.tokenizer.TokenizerInfo;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * tokenizer-service's internal API: chat template + ids, plain text ids, and what the gateway needs
 * to decode in-process (the model's tokenizer.json and its clean-up flag).
 */
public final class TokenizerClient {

  /** A chat message as the chat template sees it. */
  public record Message(String role, String content) {}

  private final WebClient http;
  private final Downstream downstream;

  TokenizerClient(WebClient http, Downstream downstream) {
    this.http = http;
    this.downstream = downstream;
  }

  /** Renders the model's chat template over {@code messages} (with the generation prompt). */
  public Mono<TokenizeResponse> chat(String model, List<Message> messages) {
    var chat = messages.stream().map(m -> ChatMessage.of(m.role(), m.content())).toList();
    return tokenize(new TokenizeRequest(model, null, chat, true, null, null, null, null, null));
  }

  /** Tokenizes a plain prompt, with the model's special tokens (e.g. BOS). */
  public Mono<TokenizeResponse> text(String model, String text) {
    return tokenize(TokenizeRequest.ofText(model, text));
  }

  /** The model's {@code tokenizer.json}, as on tokenizer-service's disk. */
  public Mono<byte[]> tokenizerJson(String model) {
    return downstream.call(
        http.get()
            .uri(uri -> uri.path("/v1/internal/tokenizer.json").queryParam("model", model).build())
            .retrieve()
            .bodyToMono(byte[].class),
        true);
  }

  /** What tokenizer-service says about the model's tokenizer (clean-up flag, special tokens…). */
  public Mono<TokenizerInfo> info(String model) {
    return downstream.call(
        http.get()
            .uri(uri -> uri.path("/v1/internal/tokenizer").queryParam("model", model).build())
            .retrieve()
            .bodyToMono(TokenizerInfo.class),
        true);
  }

  private Mono<TokenizeResponse> tokenize(TokenizeRequest request) {
    return downstream.call(
        http.post()
            .uri("/v1/internal/tokenize")
            .bodyValue(request)
            .retrieve()
            .bodyToMono(TokenizeResponse.class),
        true);
  }
}
