package org.llmplatform.inference.scheduler;

/** What the scheduler needs to know of a request. */
public interface Schedulable {

  /** KV slots (batch rows) the request takes while it runs. */
  int rows();

  /** The client gave up while the request waited. */
  boolean cancelRequested();
}
