package org.llmplatform.tokenizer.model;

import java.util.List;

/**
 * A rendered chat prompt, and where in it lies special-token text that came from the client
 * (message content, tool arguments, documents…): {@link ModelTokenizer#encode(ChatPrompt, boolean)}
 * encodes that text as plain text, never as the special token.
 *
 * @param text the prompt as the template rendered it
 * @param clientSpecialTokens each client special token's place in {@code text}, in order
 */
public record ChatPrompt(String text, List<Span> clientSpecialTokens) {

  /** Characters {@code [start, end)} of the prompt. */
  public record Span(int start, int end) {}

  public ChatPrompt {
    clientSpecialTokens = List.copyOf(clientSpecialTokens);
  }

  /** A prompt without client special-token text. */
  public static ChatPrompt of(String text) {
    return new ChatPrompt(text, List.of());
  }
}
