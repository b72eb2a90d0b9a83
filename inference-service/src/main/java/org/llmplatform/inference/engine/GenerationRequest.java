package org.llmplatform.inference.engine;

import java.util.concurrent.atomic.AtomicReference;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.inference.scheduler.Schedulable;

/**
 * A request the engine runs: prompt ids, sampling params, where output goes, and its lifecycle
 * state.
 */
public final class GenerationRequest implements Schedulable {

  private final int[] promptIds;
  private final SamplingParams params;
  private final GenerationListener listener;
  private final AtomicReference<RequestState> state = new AtomicReference<>(RequestState.WAITING);
  private volatile boolean cancelRequested;
  final long submittedNanos = System.nanoTime();

  public GenerationRequest(int[] promptIds, SamplingParams params, GenerationListener listener) {
    if (promptIds.length == 0) {
      throw new IllegalArgumentException("promptIds must not be empty");
    }
    this.promptIds = promptIds.clone();
    this.params = params;
    this.listener = listener;
  }

  public int[] promptIds() {
    return promptIds.clone();
  }

  int promptLength() {
    return promptIds.length;
  }

  int[] promptIdsShared() {
    return promptIds;
  }

  public SamplingParams params() {
    return params;
  }

  GenerationListener listener() {
    return listener;
  }

  public RequestState state() {
    return state.get();
  }

  /** KV slots (rows) the request occupies while running. */
  @Override
  public int rows() {
    return params.numBeams();
  }

  @Override
  public boolean cancelRequested() {
    return cancelRequested;
  }

  void markCancelRequested() {
    cancelRequested = true;
  }

  boolean transition(RequestState from, RequestState to) {
    return state.compareAndSet(from, to);
  }

  void finish(RequestState terminal) {
    state.set(terminal);
  }
}
