package org.llmplatform.api.tokenizer;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Answer of {@code POST /v1/internal/tokenize}.
 *
 * @param ids the token ids
 * @param prompt the rendered chat prompt when messages were given, else null
 * @param count the number of ids
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenizeResponse(List<Integer> ids, String prompt, int count) {
  public TokenizeResponse {
    ids = List.copyOf(ids);
    if (count != ids.size()) {
      throw new IllegalArgumentException("count " + count + " != " + ids.size() + " ids");
    }
  }

  public static TokenizeResponse of(List<Integer> ids, String prompt) {
    return new TokenizeResponse(ids, prompt, ids.size());
  }
}
