package org.llmplatform.tokenizer.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

/**
 * {@code {% generation %}…{% endgeneration %}} of transformers' AssistantTracker extension: marks
 * the assistant's tokens for training masks; for rendering it outputs its body unchanged.
 */
final class GenerationTag implements Tag {

  @Override
  public String getName() {
    return "generation";
  }

  @Override
  public String getEndTagName() {
    return "endgeneration";
  }

  @Override
  public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
    StringBuilder out = new StringBuilder();
    for (Node child : tagNode.getChildren()) {
      out.append(child.render(interpreter).getValue());
    }
    return out.toString();
  }
}
