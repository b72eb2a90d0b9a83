package org.llmplatform.inference.engine;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.inference.kvcache.KvCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a step's outputs: a prompt whose last chunk ran takes its first tokens (one per choice) and
 * joins the batch; after a decode step every sequence takes its next tokens, ended ones retire
 * (their KV kept for prefix reuse) and the batch is re-packed; a failed model call ends the
 * sequences it ran. Engine thread only.
 */
final class StepUpdate {

  private static final Logger log = LoggerFactory.getLogger(StepUpdate.class);

  private final BatchLayout batch;
  private final InFlight inFlight;
  private final KvCache prefillCache;
  private final PrefixReuse prefixReuse; // null when off

  StepUpdate(BatchLayout batch, InFlight inFlight, KvCache prefillCache, PrefixReuse prefixReuse) {
    this.batch = batch;
    this.inFlight = inFlight;
    this.prefillCache = prefillCache;
    this.prefixReuse = prefixReuse;
  }

  /**
   * @param logits [rows][vocab]: row 0 the prefill's last position, else one per batch row
   * @param failure why the step's model call failed, or null
   */
  void apply(StepPlan plan, float[][] logits, Exception failure) {
    for (ActiveRequest a : plan.cancelled()) {
      inFlight.retireUnjoined(a, FinishReason.CANCELLED, null);
    }
    switch (plan) {
      case StepPlan.Prefill p when failure != null -> {
        int tokens = p.request().request.promptLength();
        log.warn("Prefill failed for a request of {} tokens", tokens, failure);
        inFlight.retireUnjoined(
            p.request(), FinishReason.ERROR, "prefill failed: " + failure.getMessage());
      }
      case StepPlan.Prefill p -> {
        p.request().prefilled = p.to();
        if (p.completesPrompt()) {
          join(p.request(), logits);
        }
      }
      case StepPlan.Decode d when failure != null -> {
        log.warn("Decode step of {} rows failed", batch.rows(), failure);
        failBatch(failure);
      }
      case StepPlan.Decode d -> advanceBatch(logits);
      case StepPlan.Idle i -> {}
    }
  }

  /**
   * After the prompt's last chunk: each choice takes its first token from the prompt's logits, then
   * the prompt's KV joins the batch once per row. A request of n choices forks here: its one
   * prefilled row is copied into n batch rows, which decode on their own from then on.
   */
  private void join(ActiveRequest lead, float[][] logits) {
    GenerationRequest request = lead.request;
    List<ActiveRequest> choices = inFlight.fork(lead);
    List<ActiveRequest> joining = new ArrayList<>();
    try {
      // the prompt's logits are in row 0; a choice's logits processors overwrite its row
      for (int i = 1; i < choices.size(); i++) {
        System.arraycopy(logits[0], 0, logits[i], 0, logits[0].length);
      }
      for (int i = 0; i < choices.size(); i++) {
        ActiveRequest a = choices.get(i);
        a.advance(logits, i, 1, request.promptLength());
        if (a.ended()) {
          if (prefixReuse != null) {
            prefixReuse.keep(a, prefillCache, 0);
          }
          inFlight.retire(a);
        } else {
          joining.add(a);
        }
      }
      if (joining.isEmpty()) {
        return;
      }
      batch.join(joining, prefillCache, request.promptLength());
      joining.forEach(a -> a.state = RequestState.DECODING);
      request.transition(RequestState.PREFILLING, RequestState.DECODING);
    } catch (RuntimeException e) {
      log.warn("Joining a request of {} tokens failed", request.promptLength(), e);
      for (ActiveRequest a : choices) {
        if (!a.ended()) {
          a.end(FinishReason.ERROR, "prefill failed: " + e.getMessage());
          inFlight.retire(a);
        }
      }
    }
  }

  /**
   * After a decode step: every sequence takes its next tokens from its rows' logits (those that
   * need not wait first: a constrained sequence may wait for its mask's worker), ended ones retire,
   * and the batch is re-packed.
   */
  private void advanceBatch(float[][] logits) {
    List<ActiveRequest> sequences = batch.sequences();
    int[][] parents = new int[sequences.size()][];
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 0; i < sequences.size(); i++) {
        ActiveRequest a = sequences.get(i);
        if (parents[i] == null && (pass == 1 || a.readyToAdvance())) {
          parents[i] = a.advance(logits, batch.offset(i), batch.rowsOf(i), a.kvLength + 1);
        }
      }
    }
    for (int i = 0; i < sequences.size(); i++) {
      ActiveRequest a = sequences.get(i);
      if (a.ended()) {
        if (prefixReuse != null) {
          prefixReuse.keep(a, batch.cache(), batch.offset(i));
        }
        inFlight.retire(a);
      }
    }
    batch.repack(parents);
  }

  /** Ends every decoding sequence with an error and empties the batch; prefilling ones go on. */
  void failBatch(Throwable e) {
    for (ActiveRequest a : batch.sequences()) {
      if (!inFlight.all().contains(a)) {
        continue; // retired before the failure
      }
      a.end(FinishReason.ERROR, "decode failed: " + e.getMessage());
      try {
        inFlight.retire(a);
      } catch (RuntimeException ignored) {
        // keep failing the others
      }
    }
    batch.clear();
  }
}
