package org.llmplatform.api.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * A message to append. Fields are named relative to the message when refused ({@code
 * tool_calls[1].function.name}).
 *
 * @param role one of {@code system}, {@code developer}, {@code user}, {@code assistant}, {@code
 *     tool}
 * @param content the text (may be empty); null only on an assistant message with tool calls
 * @param name the author's name (OpenAI's optional {@code name}): 1 to {@value #MAX_NAME_LENGTH}
 *     characters, no control characters; else null
 * @param toolCalls the tools an assistant message calls (ids unique within the message); empty on
 *     every other message (null and an empty list both mean none)
 * @param toolCallId the id of the call a {@code tool} message answers: required on a tool message,
 *     refused on every other
 * @param tokenCount its length in tokens when the caller knows it, else null (then estimated)
 */
public record NewMessage(
    @JsonProperty("role") String role,
    @JsonProperty("content") String content,
    @JsonProperty("name") @JsonInclude(JsonInclude.Include.NON_NULL) String name,
    @JsonProperty("tool_calls") @JsonInclude(JsonInclude.Include.NON_EMPTY)
        List<ToolCall> toolCalls,
    @JsonProperty("tool_call_id") @JsonInclude(JsonInclude.Include.NON_NULL) String toolCallId,
    @JsonProperty("token_count") Integer tokenCount) {

  /** The roles a message may have. */
  public static final Set<String> ROLES =
      Set.of("system", "developer", "user", "assistant", "tool");

  /** Longest author name, in characters. */
  public static final int MAX_NAME_LENGTH = 64;

  /** A message with a role and text only (no name, tool calls or tool call id). */
  public NewMessage(String role, String content, Integer tokenCount) {
    this(role, content, null, null, null, tokenCount);
  }

  public NewMessage {
    if (role == null || !ROLES.contains(role)) {
      throw new InvalidFieldException(
          "role", "role must be one of system, developer, user, assistant, tool");
    }
    if (name != null
        && (name.isBlank()
            || name.length() > MAX_NAME_LENGTH
            || name.chars().anyMatch(Character::isISOControl))) {
      throw new InvalidFieldException(
          "name",
          "name must be 1 to " + MAX_NAME_LENGTH + " characters without control characters");
    }
    toolCalls = checkedToolCalls(role, toolCalls);
    if ("tool".equals(role) && (toolCallId == null || toolCallId.isBlank())) {
      throw new InvalidFieldException(
          "tool_call_id", "tool_call_id is required on a tool message (the id of the call)");
    }
    if (!"tool".equals(role) && toolCallId != null) {
      throw new InvalidFieldException(
          "tool_call_id", "tool_call_id is only allowed on tool messages");
    }
    if (content == null && toolCalls.isEmpty()) {
      throw new InvalidFieldException(
          "content", "content is required (null only on an assistant message with tool_calls)");
    }
    if (tokenCount != null && tokenCount < 0) {
      throw new InvalidFieldException("token_count", "token_count must not be negative");
    }
  }

  /** An assistant message that calls tools; {@code content} may be null. */
  public static NewMessage toolCalls(String content, List<ToolCall> calls, Integer tokenCount) {
    return new NewMessage("assistant", content, null, calls, null, tokenCount);
  }

  /** A tool message: the result of call {@code toolCallId}. */
  public static NewMessage toolResult(String toolCallId, String content, Integer tokenCount) {
    return new NewMessage("tool", content, null, null, toolCallId, tokenCount);
  }

  private static List<ToolCall> checkedToolCalls(String role, List<ToolCall> toolCalls) {
    if (toolCalls == null || toolCalls.isEmpty()) {
      return List.of();
    }
    if (!"assistant".equals(role)) {
      throw new InvalidFieldException(
          "tool_calls", "tool_calls is only allowed on assistant messages");
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < toolCalls.size(); i++) {
      ToolCall call = toolCalls.get(i);
      if (call == null) {
        throw new InvalidFieldException(
            "tool_calls[" + i + "]", "tool_calls[" + i + "] must be an object");
      }
      Integer earlier = seen.putIfAbsent(call.id(), i);
      if (earlier != null) {
        throw new InvalidFieldException(
            "tool_calls[" + i + "].id",
            "tool_calls[" + i + "].id repeats the id of tool_calls[" + earlier + "]");
      }
    }
    return List.copyOf(toolCalls);
  }
}
