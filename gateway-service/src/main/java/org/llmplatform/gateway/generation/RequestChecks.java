package org.llmplatform.gateway.generation;

import java.util.List;
import java.util.Map;

/** Range checks shared by the chat and completions requests; messages start with the field. */
public final class RequestChecks {

  private RequestChecks() {}

  public static void sampling(
      Double temperature,
      Double topP,
      Integer topK,
      Double minP,
      Double repetitionPenalty,
      Double presencePenalty,
      Double frequencyPenalty,
      Map<String, Double> logitBias,
      Integer numBeams,
      Integer n) {
    range("temperature", temperature, 0, 2);
    if (topP != null && !(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top_p must be in (0, 1]");
    }
    if (topK != null && topK < -1) {
      throw new IllegalArgumentException("top_k must be -1 (off), 0 (off) or positive");
    }
    range("min_p", minP, 0, 1);
    if (repetitionPenalty != null && !(repetitionPenalty > 0)) {
      throw new IllegalArgumentException("repetition_penalty must be positive");
    }
    range("presence_penalty", presencePenalty, -2, 2);
    range("frequency_penalty", frequencyPenalty, -2, 2);
    if (logitBias != null) {
      logitBias.forEach(
          (token, bias) -> {
            if (!token.matches("\\d{1,9}")) {
              throw new IllegalArgumentException("logit_bias keys must be token ids, not " + token);
            }
            if (bias == null) { // else Map.copyOf fails later: a 500 (found by RequestFuzzTest)
              throw new IllegalArgumentException("logit_bias values must be numbers, not null");
            }
            range("logit_bias", bias, -100, 100);
          });
    }
    positive("num_beams", numBeams);
    positive("n", n);
    if (n != null && n > 1 && numBeams != null && numBeams > 1) {
      throw new IllegalArgumentException("n must be 1 with num_beams: beam search has one answer");
    }
  }

  public static void positive(String field, Integer value) {
    if (value != null && value < 1) {
      throw new IllegalArgumentException(field + " must be at least 1");
    }
  }

  public static void stop(List<String> stop) {
    for (String s : stop) {
      if (s == null || s.isEmpty()) {
        throw new IllegalArgumentException("stop must hold non-empty strings");
      }
    }
  }

  private static void range(String field, Double value, double min, double max) {
    if (value != null && !(value >= min && value <= max)) {
      throw new IllegalArgumentException(field + " must be between " + min + " and " + max);
    }
  }

  /**
   * {@code ignore_eos} needs free text: a format or tool calls end with the model's end-of-sequence
   * token where they are complete.
   */
  public static void ignoreEos(Boolean ignoreEos, boolean constrained) {
    if (Boolean.TRUE.equals(ignoreEos) && constrained) {
      throw new IllegalArgumentException(
          "ignore_eos cannot be combined with response_format, guided_ fields or tools: a format"
              + " or a call ends with the model's end-of-sequence token");
    }
  }
}
