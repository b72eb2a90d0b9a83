package org.llmplatform.tokenizer.template;

import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.TagNode;

/**
 * Replaces a Jinjava tag that reads a template ({@code include}, {@code import}, {@code from},
 * {@code extends}: from the class path, by default): rendering it is an error, as in transformers,
 * whose chat template environment has no loader. Jinjava's {@code withDisabled} does not reach
 * tags.
 */
final class UnavailableTag implements Tag {

  private final String name;

  UnavailableTag(String name) {
    this.name = name;
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public String getEndTagName() {
    return null;
  }

  @Override
  public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
    throw new InterpretException(
        "{% " + name + " %} is not available in chat templates",
        tagNode.getLineNumber(),
        tagNode.getStartPosition());
  }
}
