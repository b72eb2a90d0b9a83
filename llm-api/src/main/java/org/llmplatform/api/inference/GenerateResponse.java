package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Response of a non-streamed generation.
 *
 * @param outputIds generated ids (the stop id included when one ended it)
 * @param finishReason stop or length
 * @param usage token counts
 * @param logprobs per token, when asked
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerateResponse(
    @JsonProperty("output_ids") List<Integer> outputIds,
    @JsonProperty("finish_reason") String finishReason,
    @JsonProperty("usage") Usage usage,
    @JsonProperty("logprobs") List<TokenEvent> logprobs) {
  public GenerateResponse {
    outputIds = List.copyOf(outputIds);
    logprobs = logprobs == null ? null : List.copyOf(logprobs);
  }
}
