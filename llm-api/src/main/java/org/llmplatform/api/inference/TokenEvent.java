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
 * @param index the choice this token belongs to (of a request's {@code n}); null means 0
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenEvent(
    @JsonProperty("token_id") int tokenId,
    @JsonProperty("logprob") Double logprob,
    @JsonProperty("top_logprobs") List<TopLogprob> topLogprobs,
    @JsonProperty("index") Integer index)
    implements StreamEvent {
  public TokenEvent {
    topLogprobs = topLogprobs == null ? null : List.copyOf(topLogprobs);
  }

  /** A token of the only choice (index 0). */
  public TokenEvent(int tokenId, Double logprob, List<TopLogprob> topLogprobs) {
    this(tokenId, logprob, topLogprobs, null);
  }

  /** The choice this token belongs to. */
  public int choice() {
    return index == null ? 0 : index;
  }

  @Override
  public String sseName() {
    return TOKEN;
  }
}
