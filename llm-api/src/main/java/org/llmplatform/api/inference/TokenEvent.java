package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One generated token (an SSE {@code data:} of a streamed generation; also the items of a
 * non-streamed response's {@code logprobs}).
 *
 * @param tokenId the token
 * @param logprob its log-probability, when logprobs were asked
 * @param topLogprobs most likely alternatives, when logprobs were asked
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenEvent(
    @JsonProperty("token_id") int tokenId,
    @JsonProperty("logprob") Double logprob,
    @JsonProperty("top_logprobs") List<TopLogprob> topLogprobs)
    implements StreamEvent {
  public TokenEvent {
    topLogprobs = topLogprobs == null ? null : List.copyOf(topLogprobs);
  }

  @Override
  public String sseName() {
    return TOKEN;
  }
}
