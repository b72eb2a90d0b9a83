package org.llmplatform.tokenizer.template;

import java.util.OptionalInt;

/** A chat template that could not be rendered for the given conversation (an answer 400). */
public class ChatTemplateException extends RuntimeException {

  private final Integer messageIndex;

  public ChatTemplateException(String message) {
    this(message, null);
  }

  /**
   * @param messageIndex the message the template was rendering when it failed (the last message a
   *     loop of the template reached), or null when unknown
   */
  ChatTemplateException(String message, Integer messageIndex) {
    super(message);
    this.messageIndex = messageIndex;
  }

  /** The index, in {@code messages}, of the message the template failed on, when known. */
  public OptionalInt messageIndex() {
    return messageIndex == null ? OptionalInt.empty() : OptionalInt.of(messageIndex);
  }
}
