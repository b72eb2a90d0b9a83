package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The last SSE event of a streamed generation.
 *
 * @param finishReason stop, length, cancelled or error
 * @param usage token counts
 * @param error what failed, only with finish_reason error
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FinishEvent(
    @JsonProperty("finish_reason") String finishReason,
    @JsonProperty("usage") Usage usage,
    @JsonProperty("error") String error)
    implements StreamEvent {

  @Override
  public String sseName() {
    return FINISH;
  }
}
