package org.llmplatform.api.tokenizer;

import java.util.List;

/**
 * Answer of {@code POST /v1/internal/detokenize/stream}: what a {@link StreamingDetokenizer} emits
 * when fed the request's ids one at a time.
 *
 * @param pieces {@code pieces[i]} is the text emitted when id {@code i} arrived (often empty: the
 *     text is held back until it is complete and final)
 * @param tail what {@link StreamingDetokenizer#finish()} emitted at the end of the stream
 * @param text the concatenation of pieces and tail: always equal to the one-shot decode
 */
public record DetokenizeStreamResponse(List<String> pieces, String tail, String text) {
  public DetokenizeStreamResponse {
    pieces = List.copyOf(pieces);
    if (tail == null || text == null) {
      throw new IllegalArgumentException("tail and text are required");
    }
  }
}
