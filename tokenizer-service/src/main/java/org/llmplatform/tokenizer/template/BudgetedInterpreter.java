package org.llmplatform.tokenizer.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * An interpreter that spends a {@link RenderBudget}: Jinjava's {@code for} tag calls {@link #wrap}
 * once per iteration and every tag and output resolves its expressions through {@link
 * #resolveELExpression}, outside the resolver's own error handling. It also remembers the last
 * {@link TemplateMessage} a loop reached, for the error of a render that fails, and writes strings
 * as they are. With {@link MessageMarks}, it knows each loop item that is a message, for the marks
 * {@link MessageMarkNode} writes.
 */
final class BudgetedInterpreter extends JinjavaInterpreter {

  private final RenderBudget budget;
  private final MessageMarks marks;
  private final Map<Object, Integer> loopMessages = new IdentityHashMap<>();
  private Integer messageIndex;
  private Integer failedMessageIndex;

  /**
   * @param marks the marks of the messages' loop iterations, or null for none
   */
  BudgetedInterpreter(
      Jinjava jinjava,
      Context context,
      JinjavaConfig config,
      RenderBudget budget,
      MessageMarks marks) {
    super(jinjava, context, config);
    this.budget = budget;
    this.marks = marks;
  }

  @Override
  public Object wrap(Object loopItem) {
    budget.iteration();
    Object wrapped = super.wrap(loopItem);
    if (loopItem instanceof TemplateMessage message) {
      messageIndex = message.index();
      if (marks != null) {
        loopMessages.put(wrapped, message.index());
      }
    }
    return wrapped;
  }

  @Override
  public Object resolveELExpression(String expression, int lineNumber) {
    budget.check();
    return super.resolveELExpression(expression, lineNumber);
  }

  @Override
  public Object resolveELExpression(String expression, int lineNumber, int position) {
    budget.check();
    return super.resolveELExpression(expression, lineNumber, position);
  }

  /**
   * A string is output as it is, as Jinja2's {@code str()} does. Jinjava's Pyish mapper writes it
   * as JSON and unescapes only some escapes, so a control character in a message (NUL, ESC, BEL…)
   * reached the prompt as the text {@code \\u0000} (found by TokenizerFuzzTest).
   */
  @Override
  public String getAsString(Object value) {
    return value instanceof String s ? s : super.getAsString(value);
  }

  /** Remembers the message of the first fatal error: Jinjava records some and renders on. */
  @Override
  public void addError(TemplateError templateError) {
    if (failedMessageIndex == null
        && templateError.getSeverity() == TemplateError.ErrorType.FATAL) {
      failedMessageIndex = messageIndex;
    }
    super.addError(templateError);
  }

  RenderBudget budget() {
    return budget;
  }

  MessageMarks marks() {
    return marks;
  }

  /** The index of the message a loop item is, or null when it is none. */
  Integer messageIndexOf(Object loopItem) {
    return loopItem == null ? null : loopMessages.get(loopItem);
  }

  /**
   * The index of the message the render failed on: the last message a loop of the template had
   * reached at its first fatal error (or now, for an error that ended the render); null if none.
   */
  Integer messageIndex() {
    return failedMessageIndex != null ? failedMessageIndex : messageIndex;
  }
}
