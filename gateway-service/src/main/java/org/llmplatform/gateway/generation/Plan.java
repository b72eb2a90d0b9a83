package org.llmplatform.gateway.generation;

import java.util.List;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.model.ServedModel;

/**
 * One prompt to answer, whichever API it came from: what the generate, detokenize and stop-string
 * steps need.
 *
 * @param startNanos when the request arrived (time to first token is measured from it)
 * @param tenant who is charged for the tokens
 * @param promptIds the prompt, tokenized
 * @param sampling what the client asked of the sampler
 * @param choices how many choices to generate from the prompt ({@code n})
 * @param firstIndex the response index of this prompt's first choice (completions with several
 *     prompts number their choices prompt by prompt)
 * @param sessionId the conversation's session, or null (routing keeps a session on one replica)
 */
public record Plan(
    long startNanos,
    Tenant tenant,
    ServedModel model,
    List<Integer> promptIds,
    SamplingParams sampling,
    int choices,
    int firstIndex,
    String sessionId) {

  public Plan {
    promptIds = List.copyOf(promptIds);
    if (choices < 1) {
      throw new IllegalArgumentException("choices must be at least 1");
    }
  }

  public int promptTokens() {
    return promptIds.size();
  }
}
