package org.llmplatform.inference.sampling;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The tokens a sequence has seen: the prompt (for repetition penalty) and output counts
 * (presence/frequency).
 */
public final class TokenHistory {

  private final BitSet seen = new BitSet();
  private final Map<Integer, Integer> outputCounts = new HashMap<>();

  public TokenHistory(int[] promptIds) {
    for (int id : promptIds) {
      seen.set(id);
    }
  }

  private TokenHistory(TokenHistory other) {
    seen.or(other.seen);
    outputCounts.putAll(other.outputCounts);
  }

  public void add(int token) {
    seen.set(token);
    outputCounts.merge(token, 1, Integer::sum);
  }

  /** Prompt and output tokens. */
  public BitSet seen() {
    return seen;
  }

  /** Occurrences of each token in the output. */
  public Map<Integer, Integer> outputCounts() {
    return outputCounts;
  }

  public TokenHistory copy() {
    return new TokenHistory(this);
  }
}
