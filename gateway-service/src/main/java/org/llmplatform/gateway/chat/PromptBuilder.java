package org.llmplatform.gateway.chat;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.llmplatform.api.tokenizer.TokenizeResponse;
import org.llmplatform.gateway.client.Downstreams;
import org.llmplatform.gateway.client.TokenizerClient;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.model.ServedModel;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The tokenize hop, and the one place where a conversation is fitted into the context: renders the
 * model's chat template over the conversation and makes the prompt fit the context with room for
 * the answer. Over the context by N tokens, it drops the oldest history messages worth at least N
 * by the counts tokenizer-service gave each message in that render (every message, stored or new,
 * counted the same way: nothing is estimated), and renders again, whose real count decides (a few
 * rounds at most: a template may count a message differently once the one before it is gone). When
 * the request's own messages do not fit, 400 {@code context_length_exceeded}.
 */
@Component
class PromptBuilder {

  private static final int MAX_ROUNDS = 4;
  private static final Pattern MESSAGE_PARAM = Pattern.compile("messages\\[(\\d{1,6})](.*)");

  /**
   * The prompt's ids and the conversation they render (after any trimming), each message's tokens
   * among them, and the tools the template was given (to render the conversation again with its
   * answer).
   *
   * @param tools the request's tools as the template reads them, or null
   */
  record Prompt(
      TokenizeResponse tokens, Conversation conversation, List<Map<String, Object>> tools) {

    /** The real token counts of the request's own messages, or null where unknown. */
    List<Integer> addedTokens() {
      List<Integer> counts = messageTokens(tokens, conversation.messages().size());
      return counts == null ? null : counts.subList(conversation.history().size(), counts.size());
    }
  }

  /** Each message's tokens as tokenizer-service counted them; null when it did not. */
  static List<Integer> messageTokens(TokenizeResponse tokens, int messages) {
    List<Integer> counts = tokens.messageTokens();
    return counts != null && counts.size() == messages ? counts : null;
  }

  private final TokenizerClient tokenizer;

  PromptBuilder(Downstreams downstreams) {
    this.tokenizer = downstreams.tokenizer();
  }

  /**
   * @param tools the request's tools as the template reads them, or null
   * @param room the tokens to leave for the answer (at least 1)
   */
  Mono<Prompt> build(
      ServedModel model, Conversation conversation, List<Map<String, Object>> tools, int room) {
    return fit(model, conversation, tools, Math.max(room, 1), 0);
  }

  private Mono<Prompt> fit(
      ServedModel model,
      Conversation conversation,
      List<Map<String, Object>> tools,
      int room,
      int round) {
    return tokenizer
        .chat(model.tokenizerModel(), conversation.messages(), tools)
        .onErrorMap(ApiException.class, e -> clientsMessage(e, conversation))
        .flatMap(
            tokens -> {
              int overflow = tokens.count() + room - model.contextLength();
              if (overflow <= 0) {
                return Mono.just(new Prompt(tokens, conversation, tools));
              }
              Conversation shorter =
                  round < MAX_ROUNDS
                      ? conversation.withoutOldest(
                          overflow, messageTokens(tokens, conversation.messages().size()))
                      : null;
              if (shorter == null) {
                return Mono.error(tooLong(model, tokens.count(), room));
              }
              return fit(model, shorter, tools, room, round + 1);
            });
  }

  /**
   * tokenizer-service names a message by its place in the list it rendered (the session's history,
   * then the request's messages): the client's own messages are renumbered as the client sent them,
   * a stored message that cannot be rendered is named by the session.
   */
  static ApiException clientsMessage(ApiException e, Conversation conversation) {
    Matcher at = e.param() == null ? null : MESSAGE_PARAM.matcher(e.param());
    if (at == null || !at.matches() || e.status() != HttpStatus.BAD_REQUEST) {
      return e;
    }
    int index = Integer.parseInt(at.group(1));
    int history = conversation.history().size();
    if (index >= history) {
      String param = "messages[" + (index - history) + "]" + at.group(2);
      return ApiException.badRequest(e.code(), param, e.getMessage().replace(e.param(), param));
    }
    return ApiException.badRequest(
        e.code(),
        "session_id",
        "message "
            + (index + 1)
            + " of the session's history cannot be rendered: "
            + e.getMessage().replace(e.param(), "it"));
  }

  static ApiException tooLong(ServedModel model, int promptTokens, int room) {
    return ApiException.contextLengthExceeded(
        "messages", model.contextLength(), promptTokens, room);
  }
}
