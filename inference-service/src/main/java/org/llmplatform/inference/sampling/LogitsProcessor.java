package org.llmplatform.inference.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Changes logits in place before sampling, [vocab] fp32. */
public interface LogitsProcessor {

  void process(float[] logits, TokenHistory history);

  /** Adds a bias to chosen ids (OpenAI's logit_bias). */
  record LogitBias(Map<Integer, Double> bias) implements LogitsProcessor {
    @Override
    public void process(float[] logits, TokenHistory history) {
      bias.forEach((id, b) -> logits[id] += (float) b.doubleValue());
    }
  }

  /**
   * Tokens seen in prompt or output: positive logits divided by the penalty, negative multiplied.
   */
  record RepetitionPenalty(double penalty) implements LogitsProcessor {
    @Override
    public void process(float[] logits, TokenHistory history) {
      history.seen().stream()
          .filter(id -> id < logits.length)
          .forEach(
              id ->
                  logits[id] =
                      (float) (logits[id] > 0 ? logits[id] / penalty : logits[id] * penalty));
    }
  }

  /** Output tokens: minus presence once and frequency × count. */
  record PresenceFrequencyPenalty(double presence, double frequency) implements LogitsProcessor {
    @Override
    public void process(float[] logits, TokenHistory history) {
      history
          .outputCounts()
          .forEach((id, count) -> logits[id] -= (float) (presence + frequency * count));
    }
  }

  /**
   * The processors the params ask for, in vLLM's order: bias, penalties (temperature is the
   * sampler's).
   */
  static List<LogitsProcessor> of(SamplingParams p) {
    List<LogitsProcessor> out = new ArrayList<>();
    if (!p.logitBias().isEmpty()) {
      out.add(new LogitBias(p.logitBias()));
    }
    if (p.repetitionPenalty() != 1) {
      out.add(new RepetitionPenalty(p.repetitionPenalty()));
    }
    if (p.presencePenalty() != 0 || p.frequencyPenalty() != 0) {
      out.add(new PresenceFrequencyPenalty(p.presencePenalty(), p.frequencyPenalty()));
    }
    return List.copyOf(out);
  }
}
