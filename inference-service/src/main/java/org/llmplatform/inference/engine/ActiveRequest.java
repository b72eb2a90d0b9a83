package org.llmplatform.inference.engine;

import java.util.List;
import org.llmplatform.inference.constraint.GuidedSequence;
import org.llmplatform.inference.sampling.BeamSearch;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.inference.sampling.TokenChoice;
import org.llmplatform.inference.sampling.TokenSelector;

/**
 * A running request, or one choice of a request of n: its {@link RequestState} (prefilling, then
 * decoding, then ended), its rows (one, or one per beam), how long their KV is, and the choice of
 * the next tokens from each step's logits. Where its rows sit in the batch is {@link
 * BatchLayout}'s. While prefilling, one entry stands for all the request's choices; they fork when
 * it joins.
 */
final class ActiveRequest {

  final GenerationRequest request;
  final int choice; // of the request's n; its events carry it, its RNG starts from seed + choice
  private final SamplingParams params;
  private final TokenSelector selector; // sampling mode
  private final BeamSearch beams; // beam mode
  private final GuidedSequence guide; // sampling mode with a constraint, else null
  private final int contextLength;
  private final EngineMetrics metrics;
  int[] lastTokens = new int[0]; // per row: the token the next step feeds
  int kvLength; // valid KV tokens of each row
  int prefilled; // prompt tokens already in the prefill cache, while prefilling
  RequestState state = RequestState.PREFILLING;
  int generated;
  private int[] generatedIds = new int[16]; // sampling mode: the tokens emitted, in order
  FinishReason finish; // with a terminal state: how it ended, as its listener hears it
  String error; // why it failed, with FinishReason.ERROR
  private long lastTokenNanos;

  ActiveRequest(GenerationRequest request, int choice, int contextLength, EngineMetrics metrics) {
    this.request = request;
    this.choice = choice;
    this.params = request.params();
    this.contextLength = contextLength;
    this.metrics = metrics;
    if (params.numBeams() > 1) {
      this.selector = null;
      this.beams =
          new BeamSearch(
              params.numBeams(),
              params.lengthPenalty(),
              params.earlyStopping(),
              params.stopTokenIds(),
              params.maxNewTokens());
    } else {
      this.selector = new TokenSelector(params, request.promptIdsShared(), choice);
      this.beams = null;
    }
    // its first mask is computed from now on, while the prompt is prefilled
    this.guide =
        request.constraint() != null && beams == null ? request.constraint().newSequence() : null;
  }

  /** Ends the sequence: its state follows from {@code reason}; {@code error} when it failed. */
  void end(FinishReason reason, String error) {
    finish = reason;
    if (error != null) {
      this.error = error;
    }
    state =
        switch (reason) {
          case CANCELLED -> RequestState.CANCELLED;
          case ERROR -> RequestState.FAILED;
          default -> RequestState.FINISHED;
        };
  }

  boolean ended() {
    return state.isTerminal();
  }

  /** False while the mask of a constrained sequence's next choice is still being computed. */
  boolean readyToAdvance() {
    return guide == null || guide.ready();
  }

  int rows() {
    return lastTokens.length;
  }

  /**
   * Takes the next tokens from logits rows {@code [offset, offset + rows)} (the prefill's single
   * row at the start) after the KV grew to {@code kvLength}.
   *
   * @return for each new row, the index of its parent among the rows given; empty when it ended
   */
  int[] advance(float[][] logits, int offset, int count, int newKvLength) {
    kvLength = newKvLength;
    if (request.cancelRequested()) {
      end(FinishReason.CANCELLED, null);
      return new int[0];
    }
    return selector != null ? sample(logits[offset]) : beamStep(logits, offset, count);
  }

  private int[] sample(float[] rowLogits) {
    TokenChoice choice = guide == null ? selector.next(rowLogits) : guide.next(rowLogits, selector);
    if (choice == null) {
      end(FinishReason.ERROR, guide.error());
      return new int[0];
    }
    emit(choice);
    lastTokens = new int[] {choice.tokenId()};
    if (params.stopTokenIds().contains(choice.tokenId())) {
      end(FinishReason.STOP, null);
    } else if (generated >= params.maxNewTokens() || kvLength + 1 >= contextLength) {
      end(FinishReason.LENGTH, null);
    }
    return ended() ? new int[0] : new int[] {0};
  }

  private int[] beamStep(float[][] logits, int offset, int count) {
    float[][] rows = new float[count][];
    System.arraycopy(logits, offset, rows, 0, count);
    List<BeamSearch.Beam> next = beams.step(rows);
    if (beams.done() || kvLength + 1 >= contextLength) {
      BeamSearch.Hypothesis best = beams.done() ? beams.best() : null;
      int[] tokens = best != null ? best.tokens() : next.getFirst().tokens();
      for (int t : tokens) {
        emit(new TokenChoice(t, Double.NaN, List.of()));
      }
      end(best != null && best.stopped() ? FinishReason.STOP : FinishReason.LENGTH, null);
      return new int[0];
    }
    lastTokens = next.stream().mapToInt(b -> b.tokens()[b.tokens().length - 1]).toArray();
    return next.stream().mapToInt(BeamSearch.Beam::parent).toArray();
  }

  private void emit(TokenChoice token) {
    long now = System.nanoTime();
    if (generated == 0) {
      if (choice == 0) { // the choices' first tokens come from one prefill, at one moment
        metrics.firstToken(now - request.submittedNanos);
      }
    } else {
      metrics.nextToken(now - lastTokenNanos);
    }
    lastTokenNanos = now;
    if (generated == generatedIds.length) {
      generatedIds = java.util.Arrays.copyOf(generatedIds, 2 * generated);
    }
    generatedIds[generated] = token.tokenId();
    generated++;
    request.listener().onToken(choice, token);
  }

  /**
   * The tokens whose KV the request's row holds ({@code kvLength}: the prompt and every emitted
   * token but the last, which was never fed), or null in beam mode.
   */
  int[] kvTokens() {
    if (beams != null) {
      return null;
    }
    int[] prompt = request.promptIdsShared();
    int fed = kvLength - prompt.length;
    if (fed < 0 || fed > generated) {
      return null;
    }
    int[] out = java.util.Arrays.copyOf(prompt, kvLength);
    System.arraycopy(generatedIds, 0, out, prompt.length, fed);
    return out;
  }
}
