package org.llmplatform.gateway.chat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmplatform.gateway.error.ClientRequest;

/**
 * One message of a chat request. {@code content} is a string or OpenAI's array of text parts
 * ({@code [{"type":"text","text":…}]}), kept as the joined text; null only for an assistant message
 * (OpenAI's own rule: one that only calls tools), then kept as "".
 */
record ChatMessage(String role, String content) implements ClientRequest {

  private static final Set<String> ROLES =
      Set.of("system", "developer", "user", "assistant", "tool");

  ChatMessage {
    if (role == null || !ROLES.contains(role)) {
      throw new IllegalArgumentException(
          "messages.role must be one of " + ROLES.stream().sorted().toList() + ", not " + role);
    }
    if (content == null) {
      content = "";
    }
  }

  @JsonCreator
  static ChatMessage of(
      @JsonProperty("role") String role, @JsonProperty("content") Object content) {
    return new ChatMessage(role, text(role, content));
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
            throw new IllegalArgumentException("messages.content parts must be of type text");
          }
        }
        yield text.toString();
      }
      default ->
          throw new IllegalArgumentException("messages.content must be a string or text parts");
    };
  }
}
