package org.llmplatform.api.tokenizer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * One message of a conversation, as chat templates read it.
 *
 * @param role {@code system}, {@code user}, {@code assistant} or {@code tool}
 * @param content a string, a list of content parts ({@code {"type":"text","text":…}}) or null (an
 *     assistant message that only calls tools)
 * @param name optional author name
 * @param toolCalls tool calls of an assistant message, passed to the template as given
 * @param toolCallId the call a {@code tool} message answers
 * @param reasoningContent the reasoning of an assistant message, for templates that render it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatMessage(
    String role,
    Object content,
    String name,
    @JsonProperty("tool_calls") List<Map<String, Object>> toolCalls,
    @JsonProperty("tool_call_id") String toolCallId,
    @JsonProperty("reasoning_content") String reasoningContent) {

  /** The roles chat templates know. */
  public static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

  public ChatMessage {
    if (role == null || !ROLES.contains(role)) {
      throw new InvalidFieldException(
          "role",
          "role must be one of system, user, assistant, tool"
              + (role == null ? "" : ", not '" + role + "'"));
    }
    if (content != null && !(content instanceof String) && !(content instanceof List<?>)) {
      throw new InvalidFieldException(
          "content", "content must be a string or a list of content parts");
    }
    toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
  }

  public static ChatMessage of(String role, String content) {
    return new ChatMessage(role, content, null, null, null, null);
  }
}
