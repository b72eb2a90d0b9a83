package org.llmplatform.tokenizer.template;

import com.hubspot.jinjava.el.ext.AdditionOperator;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;

/**
 * Jinjava's expression parser with Jinja's semantics where chat templates meet a difference:
 *
 * <ul>
 *   <li>{@code not} binds more loosely than comparisons, {@code in}, tests and filters, as in Jinja
 *       (and transformers.js): {@code not x is defined} is {@code not (x is defined)}, {@code not a
 *       == b} is {@code not (a == b)}. Jinjava's (Java EL's) {@code not} is a unary operator that
 *       binds tightest, so it read {@code (not x) is defined}, always true: DeepSeek-V3's template
 *       starts with {@code {% if not add_generation_prompt is defined %}{% set
 *       add_generation_prompt = false %}}, which dropped every generation prompt.
 *   <li>{@code +} with none on either side is an error, as in Python ({@code TypeError}) and
 *       transformers.js, instead of the text {@code null} in the prompt ({@link PythonAddition}).
 * </ul>
 */
final class JinjaExpressionParser extends ExtendedParser {

  JinjaExpressionParser(Builder context, String input) {
    super(context, input);
  }

  /**
   * Jinja's {@code parse_not}, one level above comparisons: {@code and}/{@code or} operands are
   * parsed here, so {@code not} applies to the whole comparison (and {@code not not x} nests).
   */
  @Override
  protected AstNode eq(boolean required) throws Scanner.ScanException, ParseException {
    if (getToken().getSymbol() == Scanner.Symbol.NOT) {
      consumeToken();
      return createAstUnary(eq(true), AstUnary.NOT);
    }
    return super.eq(required);
  }

  @Override
  protected AstBinary createAstBinary(AstNode left, AstNode right, AstBinary.Operator operator) {
    return super.createAstBinary(
        left, right, operator == AdditionOperator.OP ? PythonAddition.OP : operator);
  }
}
