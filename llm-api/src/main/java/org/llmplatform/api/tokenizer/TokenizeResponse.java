package org.llmplatform.api.tokenizer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Answer of {@code POST /v1/internal/tokenize}.
 *
 * <p>A message's tokens ({@code message_tokens}) are the prompt's tokens that start inside what the
 * chat template wrote for that message: from the end of the previous message's part (the end of the
 * template's last loop iteration over it) to the end of its own. What the template writes before
 * the first message's part (BOS, a default system prompt, the tools block) and after the last one's
 * (the generation prompt) belongs to no message, so {@code count} = template prefix + the sum of
 * {@code message_tokens} + template suffix, exactly. A message the template writes outside a loop
 * over the messages (Gemma 3's and Llama 2's system prompt, folded into the first user turn) counts
 * 0, its tokens in the message whose part holds them.
 *
 * @param ids the token ids
 * @param prompt the rendered chat prompt when messages were given, else null
 * @param count the number of ids
 * @param messageTokens each message's tokens, in the order given; null for text, or when the
 *     template's parts could not be told apart (then unknown)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenizeResponse(
    List<Integer> ids,
    String prompt,
    int count,
    @JsonProperty("message_tokens") List<Integer> messageTokens) {
  public TokenizeResponse {
    ids = List.copyOf(ids);
    if (count != ids.size()) {
      throw new IllegalArgumentException("count " + count + " != " + ids.size() + " ids");
    }
    if (messageTokens != null) {
      messageTokens = List.copyOf(messageTokens);
      long sum = messageTokens.stream().mapToLong(Integer::longValue).sum();
      if (sum > count || messageTokens.stream().anyMatch(n -> n < 0)) {
        throw new IllegalArgumentException(
            "message_tokens " + messageTokens + " do not fit in " + count + " tokens");
      }
    }
  }

  public static TokenizeResponse of(List<Integer> ids, String prompt) {
    return new TokenizeResponse(ids, prompt, ids.size(), null);
  }

  /** A chat prompt's ids with each message's tokens (null: unknown). */
  public static TokenizeResponse of(List<Integer> ids, String prompt, List<Integer> messageTokens) {
    return new TokenizeResponse(ids, prompt, ids.size(), messageTokens);
  }
}
