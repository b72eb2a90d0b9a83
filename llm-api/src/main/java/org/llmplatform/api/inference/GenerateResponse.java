package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Response of a non-streamed generation. With n > 1 the top-level fields are those of choice 0 (so
 * a reader that knows nothing of choices still reads one answer), except {@code usage}, which
 * counts the prompt once and the tokens of every choice; {@code choices} holds each choice.
 *
 * @param outputIds generated ids (the stop id included when one ended it)
 * @param finishReason stop or length
 * @param usage token counts
 * @param logprobs per token, when asked
 * @param choices every choice in index order, only when n > 1
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerateResponse(
    @JsonProperty("output_ids") List<Integer> outputIds,
    @JsonProperty("finish_reason") String finishReason,
    @JsonProperty("usage") Usage usage,
    @JsonProperty("logprobs") List<TokenEvent> logprobs,
    @JsonProperty("choices") List<Choice> choices) {
  public GenerateResponse {
    outputIds = List.copyOf(outputIds);
    logprobs = logprobs == null ? null : List.copyOf(logprobs);
    choices = choices == null ? null : List.copyOf(choices);
  }

  /** The response of a request of one choice. */
  public GenerateResponse(
      List<Integer> outputIds, String finishReason, Usage usage, List<TokenEvent> logprobs) {
    this(outputIds, finishReason, usage, logprobs, null);
  }

  /**
   * One of n choices.
   *
   * @param index 0 to n - 1
   * @param outputIds its generated ids
   * @param finishReason stop or length
   * @param usage the prompt's tokens and this choice's
   * @param logprobs per token, when asked
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Choice(
      @JsonProperty("index") int index,
      @JsonProperty("output_ids") List<Integer> outputIds,
      @JsonProperty("finish_reason") String finishReason,
      @JsonProperty("usage") Usage usage,
      @JsonProperty("logprobs") List<TokenEvent> logprobs) {
    public Choice {
      outputIds = List.copyOf(outputIds);
      logprobs = logprobs == null ? null : List.copyOf(logprobs);
    }
  }
}
