package org.llmplatform.gateway.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/** tokenizer-service's internal API: chat template + ids, plain text ids, and decoding. */
public final class TokenizerClient {

  /** A chat message as the chat template sees it. */
  public record Message(String role, String content) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record TokenizeRequest(
      String model,
      String text,
      List<Message> messages,
      @JsonProperty("add_generation_prompt") Boolean addGenerationPrompt,
      @JsonProperty("add_special_tokens") Boolean addSpecialTokens) {}

  /**
   * @param ids the prompt's token ids
   * @param prompt the rendered chat template (when messages were given)
   * @param count the number of ids
   */
  public record Tokens(List<Integer> ids, String prompt, int count) {
    public Tokens {
      ids = ids == null ? List.of() : List.copyOf(ids);
    }
  }

  record DetokenizeRequest(
      String model, List<Integer> ids, @JsonProperty("skip_special_tokens") boolean skipSpecial) {}

  record Text(String text) {}

  private final WebClient http;
  private final Downstream downstream;

  TokenizerClient(WebClient http, Downstream downstream) {
    this.http = http;
    this.downstream = downstream;
  }

  /** Renders the model's chat template over {@code messages} (with the generation prompt). */
  public Mono<Tokens> chat(String model, List<Message> messages) {
    return tokenize(new TokenizeRequest(model, null, messages, true, null));
  }

  /** Tokenizes a plain prompt, with the model's special tokens (e.g. BOS). */
  public Mono<Tokens> text(String model, String text) {
    return tokenize(new TokenizeRequest(model, text, null, null, true));
  }

  /** Decodes ids to text, dropping special tokens. */
  public Mono<String> detokenize(String model, List<Integer> ids) {
    return downstream.call(
        http.post()
            .uri("/v1/internal/detokenize")
            .bodyValue(new DetokenizeRequest(model, ids, true))
            .retrieve()
            .bodyToMono(Text.class)
            .map(Text::text),
        true);
  }

  private Mono<Tokens> tokenize(TokenizeRequest request) {
    return downstream.call(
        http.post()
            .uri("/v1/internal/tokenize")
            .bodyValue(request)
            .retrieve()
            .bodyToMono(Tokens.class),
        true);
  }
}
