package org.llmplatform.gateway.message;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmplatform.gateway.error.ClientRequest;

/**
 * The gateway's one chat message: what a client sends, what a session keeps and what the chat
 * template renders. {@code content} is a string or OpenAI's array of text parts ({@code
 * [{"type":"text","text":…}]}), kept as the joined text; null only for an assistant message (one
 * that only calls tools), then kept as "".
 *
 * @param name the author's name (OpenAI's optional {@code name}), or null
 * @param toolCalls the tools an assistant message calls (empty otherwise)
 * @param toolCallId the call a {@code tool} message answers, else null
 * @param tokenCount the message's tokens, when a session knows them (never from a client)
 */
public record ChatMessage(
    String role,
    String content,
    String name,
    List<ToolCall> toolCalls,
    String toolCallId,
    Integer tokenCount)
    implements ClientRequest {

  private static final Set<String> ROLES =
      Set.of("system", "developer", "user", "assistant", "tool");

  public ChatMessage {
    if (role == null || !ROLES.contains(role)) {
      throw new IllegalArgumentException(
          "messages.role must be one of " + ROLES.stream().sorted().toList() + ", not " + role);
    }
    content = content == null ? "" : content;
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
  }

  /** A message with only a role and text. */
  public static ChatMessage of(String role, String content) {
    return new ChatMessage(role, content, null, null, null, null);
  }

  /** A client's message, as OpenAI's SDKs send it. */
  @JsonCreator
  static ChatMessage fromClient(
      @JsonProperty("role") String role,
      @JsonProperty("content") Object content,
      @JsonProperty("name") String name,
      @JsonProperty("tool_calls") List<ToolCall> toolCalls,
      @JsonProperty("tool_call_id") String toolCallId) {
    var message = new ChatMessage(role, text(role, content), name, toolCalls, toolCallId, null);
    // a client's message follows OpenAI's rules; what a session stored earlier is taken as it is
    if (!message.toolCalls().isEmpty() && !"assistant".equals(role)) {
      throw new IllegalArgumentException("messages.tool_calls belong to assistant messages only");
    }
    if ("tool".equals(role) != (toolCallId != null)) {
      throw new IllegalArgumentException(
          "tool".equals(role)
              ? "messages.tool_call_id is required on a tool message"
              : "messages.tool_call_id belongs to tool messages only");
    }
    return message;
  }

  /** The same message with its token count, as a session stores it. */
  public ChatMessage withTokenCount(Integer tokens) {
    return new ChatMessage(role, content, name, toolCalls, toolCallId, tokens);
  }

  /** Chat templates know system, user, assistant and tool; OpenAI's developer is a system role. */
  public String templateRole() {
    return "developer".equals(role) ? "system" : role;
  }

  private static String text(String role, Object content) {
    return switch (content) {
      case null -> {
        if (ROLES.contains(role) && !"assistant".equals(role)) { // a bad role: the constructor
          throw new IllegalArgumentException(
              "messages.content is required for a " + role + " message");
        }
        yield "";
      }
      case String s -> s;
      case List<?> parts -> {
        var text = new StringBuilder();
        for (Object part : parts) {
          if (part instanceof Map<?, ?> map
              && "text".equals(map.get("type"))
              && map.get("text") instanceof String s) {
            text.append(s);
          } else {
            Object type = part instanceof Map<?, ?> map ? map.get("type") : null;
            throw new IllegalArgumentException(
                "messages.content parts must be of type text"
                    + (type instanceof String t ? ", not " + t : ""));
          }
        }
        yield text.toString();
      }
      default ->
          throw new IllegalArgumentException("messages.content must be a string or text parts");
    };
  }
}
