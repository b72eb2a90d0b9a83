package org.llmplatform.tokenizer.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;

/**
 * An interpreter that spends a {@link RenderBudget}: Jinjava's {@code for} tag calls {@link #wrap}
 * once per iteration and every tag and output resolves its expressions through {@link
 * #resolveELExpression}, outside the resolver's own error handling. It also remembers the last
 * {@link TemplateMessage} a loop reached, for the error of a render that fails.
 */
final class BudgetedInterpreter extends JinjavaInterpreter {

  private final RenderBudget budget;
  private Integer messageIndex;

  BudgetedInterpreter(Jinjava jinjava, Context context, JinjavaConfig config, RenderBudget budget) {
    super(jinjava, context, config);
    this.budget = budget;
  }

  @Override
  public Object wrap(Object loopItem) {
    budget.iteration();
    if (loopItem instanceof TemplateMessage message) {
      messageIndex = message.index();
    }
    return super.wrap(loopItem);
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

  RenderBudget budget() {
    return budget;
  }

  /** The index of the last message a loop of the template reached, or null. */
  Integer messageIndex() {
    return messageIndex;
  }
}
