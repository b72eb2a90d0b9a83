package org.llmplatform.tokenizer.model;

import java.util.List;

/**
 * A chat prompt's ids and each message's tokens among them.
 *
 * @param ids the prompt's token ids
 * @param messageTokens for each message, its tokens ({@link ModelTokenizer#encodeChat}); null when
 *     the template's parts of the messages are unknown
 */
public record ChatTokens(List<Integer> ids, List<Integer> messageTokens) {
  public ChatTokens {
    ids = List.copyOf(ids);
    messageTokens = messageTokens == null ? null : List.copyOf(messageTokens);
  }
}
