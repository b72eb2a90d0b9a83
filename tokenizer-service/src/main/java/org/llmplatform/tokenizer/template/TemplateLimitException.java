package org.llmplatform.tokenizer.template;

/**
 * A render stopped by one of its {@link RenderLimits} (or because its request was cancelled): an
 * answer 400 naming the limit.
 */
public final class TemplateLimitException extends ChatTemplateException {

  TemplateLimitException(String message) {
    super(message, null);
  }
}
