package org.llmplatform.tokenizer.template;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import java.util.Properties;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;

/**
 * The expression factory Jinjava builds for itself (same features, cache and type converter), with
 * {@link JinjaExpressionParser} as its parser. {@link ChatTemplateRenderer}'s Jinjava returns it
 * from {@code getExpressionFactory()}, which every interpreter's expression resolver asks for.
 */
final class JinjaExpressionFactory extends ExpressionFactoryImpl {

  JinjaExpressionFactory() {
    super(new Properties(), new TruthyTypeConverter());
  }

  @Override
  protected TreeBuilder createTreeBuilder(Properties properties, Builder.Feature... features) {
    return new SyntaxBuilder(features);
  }

  private static final class SyntaxBuilder extends ExtendedSyntaxBuilder {
    SyntaxBuilder(Builder.Feature... features) {
      super(features);
    }

    @Override
    protected Parser createParser(String expression) {
      return new JinjaExpressionParser(this, expression);
    }
  }
}
