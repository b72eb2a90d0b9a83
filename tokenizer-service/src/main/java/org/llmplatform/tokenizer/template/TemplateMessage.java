package org.llmplatform.tokenizer.template;

import java.util.LinkedHashMap;

/**
 * One message as the template sees it (a map of {@code role}, {@code content}…), which knows its
 * index in {@code messages}: an error names the message the template was rendering.
 */
public final class TemplateMessage extends LinkedHashMap<String, Object> {

  private final int index;

  public TemplateMessage(int index) {
    this.index = index;
  }

  public int index() {
    return index;
  }
}
