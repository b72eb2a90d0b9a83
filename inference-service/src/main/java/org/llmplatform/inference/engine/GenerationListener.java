package org.llmplatform.inference.engine;

import org.llmplatform.inference.sampling.TokenChoice;

/**
 * Receives a request's output, on the engine thread (or the cancelling thread for a request still
 * waiting). The engine calls the methods that name the choice; a listener of one-choice requests
 * implements the two without it, which these defaults call.
 */
public interface GenerationListener {

  /** One new token. */
  void onToken(TokenChoice token);

  /**
   * The end; no call follows. {@code error} is null unless the reason is {@link
   * FinishReason#ERROR}.
   */
  void onFinish(FinishReason reason, int promptTokens, int completionTokens, String error);

  /** One new token of choice {@code choice} (0 to n - 1). */
  default void onToken(int choice, TokenChoice token) {
    onToken(token);
  }

  /**
   * The end of choice {@code choice}: {@code completionTokens} are that choice's. A request of n
   * choices gets n of these, one per choice, in the order they end; no call follows the last.
   */
  default void onFinish(
      int choice, FinishReason reason, int promptTokens, int completionTokens, String error) {
    onFinish(reason, promptTokens, completionTokens, error);
  }
}
