package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The last SSE event of a streamed generation.
 *
 * @param finishReason stop, length, cancelled or error
 * @param usage token counts
 * @param error what failed, only with finish_reason error
 * @param index the choice that finished (of a request's {@code n}); null means 0. With n > 1 each
 *     choice ends with its own event; its usage counts the prompt and that choice's tokens
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FinishEvent(
    @JsonProperty("finish_reason") String finishReason,
    @JsonProperty("usage") Usage usage,
    @JsonProperty("error") String error,
    @JsonProperty("index") Integer index)
    implements StreamEvent {

  /** The end of the only choice (index 0). */
  public FinishEvent(String finishReason, Usage usage, String error) {
    this(finishReason, usage, error, null);
  }

  /** The choice that finished. */
  public int choice() {
    return index == null ? 0 : index;
  }

  @Override
  public String sseName() {
    return FINISH;
  }
}
