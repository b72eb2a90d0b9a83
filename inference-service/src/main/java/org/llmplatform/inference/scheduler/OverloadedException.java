package org.llmplatform.inference.scheduler;

/**
 * The waiting queue is full: the request is refused at once (HTTP 429, code {@code overloaded}).
 */
public class OverloadedException extends RuntimeException {
  public OverloadedException(int maxQueue) {
    super("the server is overloaded: " + maxQueue + " requests are already waiting; retry later");
  }
}
