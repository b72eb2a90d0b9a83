package org.llmplatform.gateway.client;

import java.util.List;
import org.llmplatform.api.tokenizer.ChatMessage;
import org.llmplatform.api.tokenizer.DetokenizeRequest;
import org.llmplatform.api.tokenizer.DetokenizeResponse;
import org.llmplatform.api.tokenizer.TokenizeRequest;
import org.llmplatform.api.tokenizer.TokenizeResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/** tokenizer-service's internal API: chat template + ids, plain text ids, and decoding. */
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

  /** Decodes ids to text, dropping special tokens. */
  public Mono<String> detokenize(String model, List<Integer> ids) {
    return downstream.call(
        http.post()
            .uri("/v1/internal/detokenize")
            .bodyValue(DetokenizeRequest.of(model, ids))
            .retrieve()
            .bodyToMono(DetokenizeResponse.class)
            .map(DetokenizeResponse::text),
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
