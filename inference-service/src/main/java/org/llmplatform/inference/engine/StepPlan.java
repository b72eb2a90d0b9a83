package org.llmplatform.inference.engine;

import java.util.List;
import org.llmplatform.inference.kvcache.PrefixCache;

/**
 * What one engine step runs, decided by {@code InferenceEngine.schedule()} without touching the
 * model: one prefill chunk of the oldest prefilling request, or one decode step of every row of the
 * batch, or nothing. Either way it names the requests the step admitted from the waiting queue and
 * the prefilling ones it found cancelled (their choices end in the update, having never run).
 */
sealed interface StepPlan {

  /** Requests admitted at this step (now prefilling). */
  List<ActiveRequest> admitted();

  /** Prefilling requests whose cancel was asked for: they end without joining. */
  List<ActiveRequest> cancelled();

  /**
   * Prompt tokens {@code [from, to)} of {@code request} go on top of the {@code from} tokens in the
   * prefill cache; when {@code to} is the prompt's length the request joins the batch. {@code
   * prefix}, on its first chunk after a prefix-cache hit, is loaded into the prefill cache first
   * ({@code from} is then its length).
   */
  record Prefill(
      List<ActiveRequest> admitted,
      List<ActiveRequest> cancelled,
      ActiveRequest request,
      PrefixCache.Hit prefix,
      int from,
      int to)
      implements StepPlan {

    boolean completesPrompt() {
      return to == request.request.promptLength();
    }
  }

  /** One decode step for every row of the batch, in {@link BatchLayout} order. */
  record Decode(List<ActiveRequest> admitted, List<ActiveRequest> cancelled) implements StepPlan {}

  /** Nothing to run: no request prefilling nor decoding. */
  record Idle(List<ActiveRequest> admitted, List<ActiveRequest> cancelled) implements StepPlan {}
}
