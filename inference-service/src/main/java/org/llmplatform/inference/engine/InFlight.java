package org.llmplatform.inference.engine;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.inference.kvcache.KvBudget;

/**
 * The sequences admitted and not ended, in admission order (a prefilling request, one entry for all
 * its choices, or one decoding choice), and their retirement: an ended choice frees its KV slots
 * and tells its listener; the request ends, and is counted in the metrics once, with its last
 * choice. Engine thread only.
 */
final class InFlight {

  private final List<ActiveRequest> sequences = new ArrayList<>();
  private final KvBudget budget;
  private final EngineMetrics metrics;
  private final int contextLength;

  InFlight(KvBudget budget, EngineMetrics metrics, int contextLength) {
    this.budget = budget;
    this.metrics = metrics;
    this.contextLength = contextLength;
  }

  /** The KV slots the sequences hold; admission takes them, retirement gives them back. */
  KvBudget budget() {
    return budget;
  }

  /**
   * Admits a request taken from the waiting queue: one entry, choice 0, prefills for all its
   * choices (they fork from it when it joins).
   */
  ActiveRequest admit(GenerationRequest request) {
    metrics.admitted(System.nanoTime() - request.submittedNanos);
    request.transition(RequestState.WAITING, RequestState.PREFILLING);
    ActiveRequest a = new ActiveRequest(request, 0, contextLength, metrics);
    sequences.add(a);
    return a;
  }

  List<ActiveRequest> all() {
    return sequences;
  }

  int size() {
    return sequences.size();
  }

  boolean isEmpty() {
    return sequences.isEmpty();
  }

  /**
   * A request's choices as it joins: choice 0, which ran the prefill, and choices 1 to n - 1, now
   * in flight too.
   */
  List<ActiveRequest> fork(ActiveRequest lead) {
    List<ActiveRequest> choices = new ArrayList<>(List.of(lead));
    for (int i = 1; i < lead.request.choices(); i++) {
      ActiveRequest choice = new ActiveRequest(lead.request, i, contextLength, metrics);
      choices.add(choice);
      sequences.add(choice);
    }
    return choices;
  }

  /** Retires an ended choice (its state terminal). */
  void retire(ActiveRequest a) {
    sequences.remove(a);
    budget.release(a.request.rowsPerChoice());
    GenerationRequest r = a.request;
    if (r.choiceEnded(a.state, a.generated)) {
      metrics.finished(
          System.nanoTime() - r.submittedNanos, r.promptLength(), r.choicesGenerated());
    }
    r.listener().onFinish(a.choice, a.finish, r.promptLength(), a.generated, a.error);
  }

  /** Ends and retires every choice of a request that never joined the batch. */
  void retireUnjoined(ActiveRequest lead, FinishReason reason, String error) {
    for (ActiveRequest a : fork(lead)) {
      a.end(reason, error);
      retire(a);
    }
  }

  /** Ends a request cancelled while it waited for admission (it holds no slots). */
  static void endWaitingCancelled(GenerationRequest request) {
    request.finish(RequestState.CANCELLED);
    for (int choice = 0; choice < request.choices(); choice++) {
      request.listener().onFinish(choice, FinishReason.CANCELLED, request.promptLength(), 0, null);
    }
  }
}
