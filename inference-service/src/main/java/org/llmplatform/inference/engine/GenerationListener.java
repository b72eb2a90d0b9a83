package org.llmplatform.inference.engine;

import org.llmplatform.inference.sampling.TokenChoice;

/**
 * Receives a request's output, on the engine thread (or the cancelling thread for a request still
 * waiting).
 */
public interface GenerationListener {

  /** One new token. */
  void onToken(TokenChoice token);

  /**
   * The end; no call follows. {@code error} is null unless the reason is {@link
   * FinishReason#ERROR}.
   */
  void onFinish(FinishReason reason, int promptTokens, int completionTokens, String error);
}
