package org.llmplatform.inference.engine;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.inference.kvcache.PrefixCache;
import org.llmplatform.inference.scheduler.Scheduler;

/**
 * Decides each engine step, without calling the model. An iteration admits waiting requests while
 * KV slots and batch rows are free, then plans chunks of the oldest prefilling prompt while the
 * iteration's {@code prefillChunk} tokens last (every admitted prompt whole when 0), then the
 * decode step of the batch, which ends the iteration: running streams keep their pace while long
 * prompts come in. What a request is doing is its {@link RequestState}. Engine thread only.
 */
final class StepScheduler {

  private final Scheduler<GenerationRequest> waiting;
  private final InFlight inFlight;
  private final BatchLayout batch;
  private final PrefixReuse prefixReuse; // null when off
  private final int maxBatchSize;
  private final int prefillChunk; // 0: whole prompts
  private long prefillTokensLeft; // of this iteration
  private boolean iterationStarts = true;

  /**
   * @param prefixReuse null when off
   * @param maxBatchSize rows decoded together
   * @param prefillChunk prompt tokens per iteration; 0: whole prompts
   */
  StepScheduler(
      Scheduler<GenerationRequest> waiting,
      InFlight inFlight,
      BatchLayout batch,
      PrefixReuse prefixReuse,
      int maxBatchSize,
      int prefillChunk) {
    this.waiting = waiting;
    this.inFlight = inFlight;
    this.batch = batch;
    this.prefixReuse = prefixReuse;
    this.maxBatchSize = maxBatchSize;
    this.prefillChunk = prefillChunk;
  }

  /** The next step: a prefill chunk, the batch's decode step, or nothing to run. */
  StepPlan next() {
    List<ActiveRequest> admitted = new ArrayList<>();
    List<ActiveRequest> cancelled = new ArrayList<>();
    while (true) {
      if (iterationStarts) {
        admit(admitted);
        prefillTokensLeft = prefillChunk > 0 ? prefillChunk : Long.MAX_VALUE;
        iterationStarts = false;
      }
      ActiveRequest head = prefillTokensLeft > 0 ? nextToPrefill(cancelled) : null;
      if (head != null) {
        return prefill(head, admitted, cancelled);
      }
      iterationStarts = true;
      if (!batch.isEmpty()) {
        return new StepPlan.Decode(admitted, cancelled);
      }
      if (nextToPrefill(cancelled) == null) {
        return new StepPlan.Idle(admitted, cancelled);
      }
      // a prompt is part-way in and nothing decodes: the next iteration goes on with it
    }
  }

  private void admit(List<ActiveRequest> admitted) {
    int reserved = 0;
    for (ActiveRequest a : inFlight.all()) {
      reserved += a.state == RequestState.PREFILLING ? a.request.rows() : 0;
    }
    int free = maxBatchSize - batch.rows() - reserved;
    for (GenerationRequest request :
        waiting.admit(inFlight.budget(), free, InFlight::endWaitingCancelled)) {
      admitted.add(inFlight.admit(request));
    }
  }

  /** The oldest prefilling request not cancelled; cancelled ones before it go to {@code out}. */
  private ActiveRequest nextToPrefill(List<ActiveRequest> cancelledOut) {
    for (ActiveRequest a : inFlight.all()) {
      if (a.state != RequestState.PREFILLING || cancelledOut.contains(a)) {
        continue;
      }
      if (!a.request.cancelRequested()) {
        return a;
      }
      cancelledOut.add(a);
    }
    return null;
  }

  /** The head's next chunk, from a cached prefix on its first one when there is a hit. */
  private StepPlan prefill(
      ActiveRequest head, List<ActiveRequest> admitted, List<ActiveRequest> cancelled) {
    int[] prompt = head.request.promptIdsShared();
    PrefixCache.Hit prefix =
        head.prefilled == 0 && prefixReuse != null ? prefixReuse.lookup(prompt) : null;
    int from = prefix != null ? prefix.length() : head.prefilled;
    int to = from + (int) Math.min(prompt.length - from, prefillTokensLeft);
    prefillTokensLeft -= to - from;
    return new StepPlan.Prefill(admitted, cancelled, head, prefix, from, to);
  }
}
