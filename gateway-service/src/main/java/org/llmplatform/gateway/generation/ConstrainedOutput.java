package org.llmplatform.gateway.generation;

import java.util.List;
import org.llmplatform.api.inference.OutputConstraint;

/**
 * What the output must match, from whichever field the client used: {@code response_format}
 * (OpenAI), or vLLM's {@code guided_regex} / {@code guided_choice}. At most one of them.
 *
 * @param constraint what inference-service enforces while decoding
 * @param param the client's field, named in errors about it (a schema the engine cannot enforce)
 */
public record ConstrainedOutput(OutputConstraint constraint, String param) {

  /** The constraint the fields ask for; null for free text. 400 naming the field when misused. */
  public static ConstrainedOutput of(
      ResponseFormat format, String guidedRegex, List<String> guidedChoice) {
    boolean structured = format != null && !"text".equals(format.type());
    int given =
        (structured ? 1 : 0) + (guidedRegex != null ? 1 : 0) + (guidedChoice != null ? 1 : 0);
    if (given > 1) {
      throw new IllegalArgumentException(
          (guidedRegex != null ? "guided_regex" : "guided_choice")
              + " cannot be combined with response_format or another guided_ field");
    }
    if (structured) {
      return "json_object".equals(format.type())
          ? new ConstrainedOutput(OutputConstraint.jsonObject(), "response_format")
          : new ConstrainedOutput(
              OutputConstraint.jsonSchema(format.jsonSchema().schema().toString()),
              "response_format.json_schema.schema");
    }
    if (guidedRegex != null) {
      if (guidedRegex.isEmpty()) {
        throw new IllegalArgumentException("guided_regex must not be empty");
      }
      return new ConstrainedOutput(
          new OutputConstraint(OutputConstraint.REGEX, null, guidedRegex, null), "guided_regex");
    }
    if (guidedChoice != null) {
      if (guidedChoice.isEmpty() || guidedChoice.stream().anyMatch(c -> c == null || c.isEmpty())) {
        throw new IllegalArgumentException("guided_choice must hold non-empty strings");
      }
      return new ConstrainedOutput(
          new OutputConstraint(OutputConstraint.CHOICE, null, null, guidedChoice), "guided_choice");
    }
    return null;
  }
}
