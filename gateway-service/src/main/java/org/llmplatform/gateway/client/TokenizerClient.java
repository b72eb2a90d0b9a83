package org.llmplatform.gateway.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmplatform.api.tokenizer.TokenizeRequest;
import org.llmplatform.api.tokenizer.TokenizeResponse;
import org.llmplatform.api.tokenizer.TokenizerInfo;
import org.llmplatform.gateway.message.ChatMessage;
import org.llmplatform.gateway.message.ToolCall;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * tokenizer-service's internal API: chat template + ids, plain text ids, and what the gateway needs
 * to decode in-process (the model's tokenizer.json and its clean-up flag).
 */
public final class TokenizerClient {

  private final WebClient http;
  private final Downstream downstream;
  private final JsonMapper json;

  TokenizerClient(WebClient http, Downstream downstream, JsonMapper json) {
    this.http = http;
    this.downstream = downstream;
    this.json = json;
  }

  /**
   * Renders the model's chat template over {@code messages} and {@code tools} (null: none), with
   * the generation prompt: each message as the template knows it (developer as system), tool calls
   * with their arguments as a mapping where they are a JSON object (what templates written for
   * Hugging Face's {@code apply_chat_template} expect), else as the text.
   */
  public Mono<TokenizeResponse> chat(
      String model, List<ChatMessage> messages, List<Map<String, Object>> tools) {
    var chat = messages.stream().map(this::templateMessage).toList();
    return tokenize(new TokenizeRequest(model, null, chat, true, null, tools, null, null, null));
  }

  private org.llmplatform.api.tokenizer.ChatMessage templateMessage(ChatMessage m) {
    List<Map<String, Object>> calls = null;
    if (!m.toolCalls().isEmpty()) {
      calls = new ArrayList<>();
      for (ToolCall call : m.toolCalls()) {
        var function = new LinkedHashMap<String, Object>();
        function.put("name", call.function().name());
        function.put("arguments", arguments(call.function().arguments()));
        var entry = new LinkedHashMap<String, Object>(); // ordered: the same prompt every time
        entry.put("id", call.id());
        entry.put("type", call.type());
        entry.put("function", function);
        calls.add(entry);
      }
    }
    // a turn that only calls tools has no content, as Hugging Face's templates expect (none, not
    // "")
    Object content = calls != null && m.content().isEmpty() ? null : m.content();
    return new org.llmplatform.api.tokenizer.ChatMessage(
        m.templateRole(), content, m.name(), calls, m.toolCallId(), null);
  }

  private Object arguments(String text) {
    try {
      JsonNode node = json.readTree(text);
      return node.isObject() ? json.treeToValue(node, Map.class) : text;
    } catch (JacksonException notJson) {
      return text;
    }
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
