package org.llmplatform.inference.sampling;

import java.util.List;

/**
 * A chosen token with, when asked, its log-probability and the most likely alternatives (under the
 * model's raw distribution, before penalties and temperature).
 *
 * @param tokenId chosen id
 * @param logprob log-probability of the chosen id, NaN when not asked
 * @param top most likely ids first, empty when not asked
 */
public record TokenChoice(int tokenId, double logprob, List<Alternative> top) {
  public TokenChoice {
    top = List.copyOf(top);
  }

  /** An alternative token and its log-probability. */
  public record Alternative(int tokenId, double logprob) {}
}
