package org.llmplatform.tokenizer.template;

/** Thrown by the template's own {@code raise_exception(message)}. */
final class TemplateRaisedException extends RuntimeException {

  TemplateRaisedException(String message) {
    super(message, null, false, false);
  }
}
