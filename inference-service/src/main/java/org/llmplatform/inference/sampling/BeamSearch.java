package org.llmplatform.inference.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Beam search over log-probabilities. Each step takes the logits of every alive beam and returns
 * the next alive beams, each naming its parent; a hypothesis finishes on a stop id or at
 * max_new_tokens, scored sum(logprob) / length^length_penalty. With early stopping it ends when
 * num_beams hypotheses have finished; without, only when no alive beam can still beat the worst
 * kept hypothesis.
 */
public final class BeamSearch {

  private final int numBeams;
  private final double lengthPenalty;
  private final boolean earlyStopping;
  private final Set<Integer> stopIds;
  private final int maxNewTokens;
  private List<Beam> alive = List.of(new Beam(0, new int[0], 0));
  private final List<Hypothesis> finished = new ArrayList<>();

  public BeamSearch(
      int numBeams,
      double lengthPenalty,
      boolean earlyStopping,
      Set<Integer> stopIds,
      int maxNewTokens) {
    this.numBeams = numBeams;
    this.lengthPenalty = lengthPenalty;
    this.earlyStopping = earlyStopping;
    this.stopIds = Set.copyOf(stopIds);
    this.maxNewTokens = maxNewTokens;
  }

  /**
   * An alive beam.
   *
   * @param parent index of the beam it extends in the previous alive list
   * @param tokens generated ids
   * @param score sum of log-probabilities
   */
  public record Beam(int parent, int[] tokens, double score) {}

  /** A finished hypothesis with its length-normalised score. */
  public record Hypothesis(int[] tokens, double score, boolean stopped) {}

  private record Candidate(int beam, int token, double score) {}

  /** Alive beams, in the order of the rows the next step must feed. */
  public List<Beam> alive() {
    return alive;
  }

  public boolean done() {
    return alive.isEmpty();
  }

  /**
   * Advances by one token.
   *
   * @param logits [alive beams][vocab] fp32
   * @return the new alive beams (empty when the search is done)
   */
  public List<Beam> step(float[][] logits) {
    if (logits.length != alive.size()) {
      throw new IllegalArgumentException(
          "expected " + alive.size() + " rows, got " + logits.length);
    }
    int perBeam = 2 * numBeams;
    List<Candidate> candidates = new ArrayList<>();
    for (int b = 0; b < alive.size(); b++) {
      double lse = LogSoftmax.logSumExp(logits[b]);
      for (TokenChoice.Alternative a : LogSoftmax.top(logits[b], lse, perBeam)) {
        candidates.add(new Candidate(b, a.tokenId(), alive.get(b).score() + a.logprob()));
      }
    }
    candidates.sort(
        Comparator.comparingDouble(Candidate::score)
            .reversed()
            .thenComparingInt(Candidate::beam)
            .thenComparingInt(Candidate::token));
    int length = alive.get(0).tokens().length + 1;
    List<Beam> next = new ArrayList<>();
    for (int rank = 0; rank < candidates.size() && next.size() < numBeams; rank++) {
      Candidate c = candidates.get(rank);
      int[] tokens = Arrays.copyOf(alive.get(c.beam()).tokens(), length);
      tokens[length - 1] = c.token();
      if (stopIds.contains(c.token())) {
        if (rank < numBeams) {
          addFinished(new Hypothesis(tokens, normalised(c.score(), length), true));
        }
      } else {
        next.add(new Beam(c.beam(), tokens, c.score()));
      }
    }
    if (length >= maxNewTokens) {
      next.forEach(
          b -> addFinished(new Hypothesis(b.tokens(), normalised(b.score(), length), false)));
      next = List.of();
    } else if (finished.size() >= numBeams && (earlyStopping || !canImprove(next, length))) {
      next = List.of();
    }
    alive = List.copyOf(next);
    return alive;
  }

  /** The best finished hypothesis (call once done). */
  public Hypothesis best() {
    return finished.stream().max(Comparator.comparingDouble(Hypothesis::score)).orElseThrow();
  }

  private boolean canImprove(List<Beam> beams, int length) {
    double worst =
        finished.stream().mapToDouble(Hypothesis::score).min().orElse(Double.NEGATIVE_INFINITY);
    double bestScore =
        beams.stream().mapToDouble(Beam::score).max().orElse(Double.NEGATIVE_INFINITY);
    // scores are <= 0 and only fall; the normalised value is largest at the longest length when
    // lengthPenalty > 0
    double bound = bestScore / Math.pow(lengthPenalty > 0 ? maxNewTokens : length, lengthPenalty);
    return bound > worst;
  }

  private double normalised(double score, int length) {
    return score / Math.pow(length, lengthPenalty);
  }

  private void addFinished(Hypothesis h) {
    finished.add(h);
    if (finished.size() > numBeams) {
      finished.remove(
          finished.stream().min(Comparator.comparingDouble(Hypothesis::score)).orElseThrow());
    }
  }
}
