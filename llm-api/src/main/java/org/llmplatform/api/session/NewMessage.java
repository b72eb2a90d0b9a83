package org.llmplatform.api.session;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Set;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * A message to append.
 *
 * @param role one of {@code system}, {@code developer}, {@code user}, {@code assistant}, {@code
 *     tool}
 * @param content the text (may be empty, never null)
 * @param tokenCount its length in tokens when the caller knows it, else null (then estimated)
 */
public record NewMessage(
    @JsonProperty("role") String role,
    @JsonProperty("content") String content,
    @JsonProperty("token_count") Integer tokenCount) {

  /** The roles a message may have. */
  public static final Set<String> ROLES =
      Set.of("system", "developer", "user", "assistant", "tool");

  public NewMessage {
    if (role == null || !ROLES.contains(role)) {
      throw new InvalidFieldException(
          "role", "role must be one of system, developer, user, assistant, tool");
    }
    if (content == null) {
      throw new InvalidFieldException("content", "content is required");
    }
    if (tokenCount != null && tokenCount < 0) {
      throw new InvalidFieldException("token_count", "token_count must not be negative");
    }
  }
}
