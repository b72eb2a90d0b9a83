package org.llmplatform.structured.regex;

/** The regular expression uses a construct outside the supported subset (named in the message). */
public final class RegexUnsupportedException extends RuntimeException {
  public RegexUnsupportedException(String message) {
    super(message);
  }
}
