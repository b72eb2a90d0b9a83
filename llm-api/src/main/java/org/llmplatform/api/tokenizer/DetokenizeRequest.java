package org.llmplatform.api.tokenizer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * {@code POST /v1/internal/detokenize} and {@code /v1/internal/detokenize/stream}.
 *
 * @param model tokenizer name; null for the default model
 * @param ids token ids to decode
 * @param skipSpecialTokens leave special tokens out of the text (default true)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DetokenizeRequest(
    String model,
    List<Integer> ids,
    @JsonProperty("skip_special_tokens") Boolean skipSpecialTokens) {

  public DetokenizeRequest {
    if (ids == null) {
      throw new InvalidFieldException("ids", "ids is required");
    }
    for (Integer id : ids) {
      if (id == null || id < 0) {
        throw new InvalidFieldException("ids", "ids must be non-negative integers");
      }
    }
    ids = List.copyOf(ids);
  }

  public static DetokenizeRequest of(String model, List<Integer> ids) {
    return new DetokenizeRequest(model, ids, null);
  }

  /** Whether special tokens are left out; true unless asked otherwise. */
  public boolean skipSpecial() {
    return skipSpecialTokens == null || skipSpecialTokens;
  }
}
