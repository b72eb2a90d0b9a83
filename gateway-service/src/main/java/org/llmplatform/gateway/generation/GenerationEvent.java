package org.llmplatform.gateway.generation;

import java.util.List;
import org.llmplatform.gateway.message.ToolCall;

/**
 * What the generation pipeline emits: text as it becomes final (and tool calls, when the request
 * has tools), then how it finished.
 */
public sealed interface GenerationEvent {

  /**
   * New text.
   *
   * @param text the text that became final (never empty)
   * @param tokens the tokens it came from, with their log-probabilities when asked
   */
  record TextDelta(String text, List<TokenLogprob> tokens) implements GenerationEvent {
    public TextDelta {
      tokens = List.copyOf(tokens);
    }
  }

  /**
   * A tool call the model wrote (read out of its text by the model family's format).
   *
   * @param call the call, with its generated id and the arguments as JSON text
   */
  record ToolCalled(ToolCall call) implements GenerationEvent {}

  /**
   * The end.
   *
   * @param finishReason {@code stop} (eos, stop token or stop string) or {@code length}
   * @param promptTokens tokens in the prompt
   * @param completionTokens tokens generated
   */
  record Finished(String finishReason, int promptTokens, int completionTokens)
      implements GenerationEvent {}

  /**
   * A generated token with its log-probability and top alternatives (when asked).
   *
   * @param text the token's own text (filled only when logprobs were asked)
   */
  record TokenLogprob(int tokenId, String text, Double logprob, List<TokenLogprob> top) {
    public TokenLogprob {
      top = top == null ? List.of() : List.copyOf(top);
    }
  }
}
