package org.llmplatform.tokenizer.template;

/**
 * The two characters a render writes where the template's loop iterations over the messages begin
 * and end: {@code start index start} and {@code end index end}, the message's index in decimal
 * digits between two of the same character. The caller picks characters that neither the template
 * nor any value holds (private-use ones) and takes the marks out of the output; they never reach a
 * prompt.
 */
public record MessageMarks(char start, char end) {

  public MessageMarks {
    if (start == end || Character.isDigit(start) || Character.isDigit(end)) {
      throw new IllegalArgumentException("two distinct non-digit marks are needed");
    }
  }

  String mark(boolean atStart, int index) {
    char c = atStart ? start : end;
    return c + Integer.toString(index) + c;
  }
}
