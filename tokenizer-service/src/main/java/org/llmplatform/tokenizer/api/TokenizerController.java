package org.llmplatform.tokenizer.api;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.api.error.InvalidFieldException;
import org.llmplatform.api.tokenizer.DetokenizeRequest;
import org.llmplatform.api.tokenizer.DetokenizeResponse;
import org.llmplatform.api.tokenizer.DetokenizeStreamResponse;
import org.llmplatform.api.tokenizer.StreamingDetokenizer;
import org.llmplatform.api.tokenizer.TokenizeRequest;
import org.llmplatform.api.tokenizer.TokenizeResponse;
import org.llmplatform.api.tokenizer.TokenizerInfo;
import org.llmplatform.tokenizer.model.ChatPrompt;
import org.llmplatform.tokenizer.model.ChatTokens;
import org.llmplatform.tokenizer.model.ModelTokenizer;
import org.llmplatform.tokenizer.model.TokenizerProperties;
import org.llmplatform.tokenizer.model.TokenizerRegistry;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The tokenizer service's internal API. Encoding, decoding and template rendering are CPU work:
 * they run on Reactor's parallel scheduler, off the event loop.
 */
@RestController
@RequestMapping("/v1/internal")
class TokenizerController {

  private final TokenizerRegistry registry;
  private final TokenizerProperties properties;

  TokenizerController(TokenizerRegistry registry, TokenizerProperties properties) {
    this.registry = registry;
    this.properties = properties;
  }

  @PostMapping("/tokenize")
  Mono<TokenizeResponse> tokenize(@RequestBody TokenizeRequest request) {
    return onCpu(() -> tokenizeNow(request));
  }

  private TokenizeResponse tokenizeNow(TokenizeRequest request) {
    ModelTokenizer model = registry.get(request.model());
    long maxBytes = properties.maxTextSize().toBytes();
    if (request.text() != null) {
      TextChecks.check("text", request.text(), maxBytes);
      return TokenizeResponse.of(model.encode(request.text(), request.specialTokens()), null);
    }
    TextChecks.wellFormedMessages(request.messages());
    if (request.tools() != null) {
      TextChecks.wellFormedValue(request.tools());
    }
    ChatPrompt prompt =
        model.renderChat(
            request.messages(),
            request.generationPrompt(),
            request.tools(),
            request.documents(),
            request.chatTemplate(),
            request.chatTemplateKwargs());
    TextChecks.check("messages", prompt.text(), maxBytes);
    ChatTokens tokens = model.encodeChat(prompt, request.specialTokens());
    return TokenizeResponse.of(tokens.ids(), prompt.text(), tokens.messageTokens());
  }

  @PostMapping("/detokenize")
  Mono<DetokenizeResponse> detokenize(@RequestBody DetokenizeRequest request) {
    return onCpu(
        () -> {
          checkIds(request.ids());
          ModelTokenizer model = registry.get(request.model());
          return new DetokenizeResponse(model.decode(request.ids(), request.skipSpecial()));
        });
  }

  @PostMapping("/detokenize/stream")
  Mono<DetokenizeStreamResponse> detokenizeStream(@RequestBody DetokenizeRequest request) {
    return onCpu(
        () -> {
          checkIds(request.ids());
          ModelTokenizer model = registry.get(request.model());
          model.decode(request.ids(), request.skipSpecial()); // rejects ids outside the vocabulary
          StreamingDetokenizer detokenizer = model.streamingDetokenizer(request.skipSpecial());
          List<String> pieces = new ArrayList<>(request.ids().size());
          for (int id : request.ids()) {
            pieces.add(detokenizer.add(id));
          }
          String tail = detokenizer.finish();
          return new DetokenizeStreamResponse(pieces, tail, detokenizer.text());
        });
  }

  @GetMapping("/tokenizer")
  Mono<TokenizerInfo> tokenizer(@RequestParam(required = false) String model) {
    return Mono.fromCallable(() -> registry.get(model).info());
  }

  /**
   * The model's {@code tokenizer.json} as it is on disk, for clients that detokenize in-process
   * with the same library (with {@code clean_up_tokenization_spaces} from {@code /tokenizer}).
   */
  @GetMapping(path = "/tokenizer.json", produces = MediaType.APPLICATION_JSON_VALUE)
  Mono<Resource> tokenizerJson(@RequestParam(required = false) String model) {
    return Mono.fromCallable(() -> new FileSystemResource(registry.get(model).tokenizerJson()));
  }

  private void checkIds(List<Integer> ids) {
    if (ids.size() > properties.maxIds()) {
      throw new InvalidFieldException(
          "ids", "ids holds more than the limit of " + properties.maxIds() + " ids");
    }
  }

  private static <T> Mono<T> onCpu(java.util.concurrent.Callable<T> work) {
    return Mono.fromCallable(work).subscribeOn(Schedulers.parallel());
  }
}
