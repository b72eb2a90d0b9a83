package org.llmplatform.tokenizer.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.output.OutputNode;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;

/**
 * A node added as the first and the last child of every outermost {@code for} of a parsed template
 * (one inside no other loop: a template writes its messages in those; a loop nested in one runs
 * once per outer iteration, and its marks would only repeat, up to the cube of the conversation):
 * in a render with {@link MessageMarks}, where the loop's item is one of the messages, it writes
 * the mark of the iteration's start or end; otherwise nothing. An iteration cut short by {@code
 * continue} or {@code break} writes no end mark.
 */
final class MessageMarkNode extends Node {

  private final String loopVariable;
  private final boolean atStart;

  private MessageMarkNode(TagNode loop, String loopVariable, boolean atStart) {
    super(loop.getMaster(), loop.getLineNumber(), loop.getStartPosition());
    this.loopVariable = loopVariable;
    this.atStart = atStart;
    setParent(loop);
  }

  /** Adds the marks to every outermost {@code for} under {@code node} with one loop variable. */
  static void addToLoops(Node node) {
    boolean loop = node instanceof TagNode tag && "for".equals(tag.getName());
    if (!loop) {
      for (Node child : node.getChildren()) {
        addToLoops(child);
      }
      return;
    }
    if (node instanceof TagNode tag) {
      String helpers = tag.getHelpers().strip();
      int in = helpers.indexOf(" in ");
      String variable = in < 0 ? "" : helpers.substring(0, in).strip();
      if (variable.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        tag.getChildren().addFirst(new MessageMarkNode(tag, variable, true));
        tag.getChildren().addLast(new MessageMarkNode(tag, variable, false));
      }
    }
  }

  @Override
  public OutputNode render(JinjavaInterpreter interpreter) {
    if (interpreter instanceof BudgetedInterpreter budgeted && budgeted.marks() != null) {
      Integer index = budgeted.messageIndexOf(interpreter.getContext().get(loopVariable));
      if (index != null) {
        return new RenderedOutputNode(budgeted.marks().mark(atStart, index));
      }
    }
    return new RenderedOutputNode("");
  }

  @Override
  public String getName() {
    return "message-mark";
  }
}
