package org.llmplatform.inference.engine;

import java.util.concurrent.atomic.AtomicReference;
import org.llmplatform.inference.constraint.RequestConstraint;
import org.llmplatform.inference.sampling.InvalidParameterException;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.inference.scheduler.Schedulable;

/**
 * A request the engine runs: prompt ids, sampling params, how many choices, where output goes, and
 * its lifecycle state. A request of n choices is prefilled once and then decodes n sequences (one
 * {@link ActiveRequest} each); it ends when the last of them ends.
 */
public final class GenerationRequest implements Schedulable {

  private final int[] promptIds;
  private final SamplingParams params;
  private final int choices;
  private final GenerationListener listener;
  private final RequestConstraint constraint; // null: free text
  private final AtomicReference<RequestState> state = new AtomicReference<>(RequestState.WAITING);
  private volatile boolean cancelRequested;
  final long submittedNanos = System.nanoTime();
  private volatile long admittedNanos; // 0 while waiting
  // engine thread: choices not yet ended, their tokens so far, the worst way one ended
  private int choicesRunning;
  private int choicesGenerated;
  private RequestState outcome = RequestState.FINISHED;

  /** A request of one choice. */
  public GenerationRequest(int[] promptIds, SamplingParams params, GenerationListener listener) {
    this(promptIds, params, 1, listener);
  }

  /**
   * A request of {@code choices} independent sequences from one prompt; the engine checks it
   * against its maximum and refuses it with beam search.
   */
  public GenerationRequest(
      int[] promptIds, SamplingParams params, int choices, GenerationListener listener) {
    this(promptIds, params, choices, listener, null);
  }

  /**
   * A request whose output must match {@code constraint} (null: free text); each of its choices
   * follows the grammar on its own. Not with beam search.
   */
  public GenerationRequest(
      int[] promptIds,
      SamplingParams params,
      int choices,
      GenerationListener listener,
      RequestConstraint constraint) {
    if (constraint != null && params.numBeams() > 1) {
      throw new InvalidParameterException(
          "constraint", "constraint cannot be combined with num_beams > 1");
    }
    if (promptIds.length == 0) {
      throw new IllegalArgumentException("promptIds must not be empty");
    }
    if (choices < 1) {
      throw new InvalidParameterException("n", "n must be >= 1, got " + choices);
    }
    this.promptIds = promptIds.clone();
    this.params = params;
    this.choices = choices;
    this.listener = listener;
    this.constraint = constraint;
    this.choicesRunning = choices;
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

  /** What the output must match, or null. */
  RequestConstraint constraint() {
    return constraint;
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

  /** Choices asked for (n). */
  public int choices() {
    return choices;
  }

  /** KV slots (rows) the request occupies while running: each choice's, or each beam's. */
  @Override
  public int rows() {
    return choices * rowsPerChoice();
  }

  /** KV slots (rows) one choice occupies: 1, or the beams of a beam search. */
  int rowsPerChoice() {
    return params.numBeams();
  }

  /**
   * One choice ended ({@code terminal}, after {@code generated} tokens); true when it was the last,
   * and then the request's state is its outcome (failed before cancelled before finished). Engine
   * thread.
   */
  boolean choiceEnded(RequestState terminal, int generated) {
    choicesGenerated += generated;
    if (terminal == RequestState.FAILED
        || (terminal == RequestState.CANCELLED && outcome == RequestState.FINISHED)) {
      outcome = terminal;
    }
    if (--choicesRunning > 0) {
      return false;
    }
    finish(outcome);
    return true;
  }

  /** Tokens of all ended choices. Engine thread. */
  int choicesGenerated() {
    return choicesGenerated;
  }

  @Override
  public boolean cancelRequested() {
    return cancelRequested;
  }

  void markCancelRequested() {
    cancelRequested = true;
  }

  boolean transition(RequestState from, RequestState to) {
    boolean moved = state.compareAndSet(from, to);
    if (moved && to == RequestState.PREFILLING) {
      admittedNanos = System.nanoTime();
    }
    return moved;
  }

  /** {@link System#nanoTime()} when the request was made. */
  public long submittedNanos() {
    return submittedNanos;
  }

  /**
   * {@link System#nanoTime()} when the engine took the request from the queue to prefill it; 0
   * while it waits, and for a request that ended waiting.
   */
  public long admittedNanos() {
    return admittedNanos;
  }

  void finish(RequestState terminal) {
    state.set(terminal);
  }
}
