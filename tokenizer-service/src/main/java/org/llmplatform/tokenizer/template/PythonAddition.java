package org.llmplatform.tokenizer.template;

import com.hubspot.jinjava.el.ext.AdditionOperator;
import java.util.List;
import java.util.Map;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.javax.el.ELException;

/**
 * Jinjava's {@code +} (numbers, string concatenation, list and dict merge), except that none on
 * either side is an error, as in Python and transformers.js: Jinjava wrote {@code 'a' + none} as
 * {@code "anull"}, putting the word into the prompt (a ChatML template given an assistant message
 * whose content is null).
 */
final class PythonAddition extends AdditionOperator {

  static final PythonAddition OP = new PythonAddition();

  private PythonAddition() {}

  @Override
  protected Object apply(TypeConverter converter, Object left, Object right) {
    if (left == null || right == null) {
      throw new ELException(
          "unsupported operand type(s) for +: '"
              + pythonType(left)
              + "' and '"
              + pythonType(right)
              + "'");
    }
    return super.apply(converter, left, right);
  }

  private static String pythonType(Object value) {
    return switch (value) {
      case null -> "NoneType";
      case String s -> "str";
      case Boolean b -> "bool";
      case Double d -> "float";
      case Float f -> "float";
      case Number n -> "int";
      case Map<?, ?> m -> "dict";
      case List<?> l -> "list";
      default -> value.getClass().getSimpleName();
    };
  }
}
