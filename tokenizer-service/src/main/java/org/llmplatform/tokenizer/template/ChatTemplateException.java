package org.llmplatform.tokenizer.template;

/** A chat template that could not be rendered for the given conversation (an answer 400). */
public class ChatTemplateException extends RuntimeException {

  public ChatTemplateException(String message) {
    super(message);
  }
}
