package org.llmplatform.tokenizer.model;

import java.util.List;

/**
 * A rendered chat prompt, where in it lies special-token text that came from the client (message
 * content, tool arguments, documents…), and where the template wrote each message: {@link
 * ModelTokenizer#encode(ChatPrompt, boolean)} encodes that text as plain text, never as the special
 * token, and {@link ModelTokenizer#encodeChat} counts each message's tokens by the parts.
 *
 * @param text the prompt as the template rendered it
 * @param clientSpecialTokens each client special token's place in {@code text}, in order
 * @param messageParts where each message's part of {@code text} ends, or null when unknown
 */
public record ChatPrompt(String text, List<Span> clientSpecialTokens, MessageParts messageParts) {

  /** Characters {@code [start, end)} of the prompt. */
  public record Span(int start, int end) {}

  /**
   * Where the template wrote the messages: the first message's part begins at {@code start} (where
   * the template's loop iteration over it began); message {@code i}'s part ends at {@code ends[i]}
   * (where the template's last loop iteration over it ended) and begins where the part before it
   * ends. A message whose end is -1 has no part: the template wrote it outside a loop over the
   * messages, or before a message with a lower index, and its text counts in the part that holds
   * it. The ends that are not -1 grow with the index.
   *
   * @param start the first part's start, a character of {@code text}
   * @param ends for each message, the end (exclusive) of its part, or -1
   */
  public record MessageParts(int start, List<Integer> ends) {
    public MessageParts {
      ends = List.copyOf(ends);
    }
  }

  public ChatPrompt {
    clientSpecialTokens = List.copyOf(clientSpecialTokens);
  }

  public ChatPrompt(String text, List<Span> clientSpecialTokens) {
    this(text, clientSpecialTokens, null);
  }

  /** A prompt without client special-token text and without message parts. */
  public static ChatPrompt of(String text) {
    return new ChatPrompt(text, List.of());
  }
}
