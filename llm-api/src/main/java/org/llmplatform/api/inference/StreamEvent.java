package org.llmplatform.api.inference;

/**
 * An event of a streamed generation: its SSE {@code event:} name tells the reader which record its
 * {@code data:} holds, so no reader has to guess from the JSON.
 */
public sealed interface StreamEvent permits TokenEvent, FinishEvent {

  /** SSE event name of a {@link TokenEvent}. */
  String TOKEN = "token";

  /** SSE event name of a {@link FinishEvent}. */
  String FINISH = "finish";

  /** This event's SSE {@code event:} name. */
  String sseName();
}
