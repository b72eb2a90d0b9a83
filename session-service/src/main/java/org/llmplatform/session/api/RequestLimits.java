package org.llmplatform.session.api;

import java.util.List;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.session.SessionProperties;
import org.llmplatform.session.context.ContextWindow;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/** The configured size limits a request is checked against before it reaches Redis. */
@Component
class RequestLimits {

  private final int maxMessageBytes;

  RequestLimits(SessionProperties properties) {
    this.maxMessageBytes = properties.maxMessageBytes();
  }

  void checkSystemPrompt(String systemPrompt) {
    if (systemPrompt != null && ContextWindow.utf8Bytes(systemPrompt) > maxMessageBytes) {
      throw tooLarge("system_prompt", "system_prompt is");
    }
  }

  /**
   * Each message's text (content, name, tool call id, and its tool calls' ids, function names and
   * arguments: {@link ContextWindow#textBytes}) must fit {@code max-message-bytes}; {@code param}
   * names the content when it alone is too large, else the message.
   */
  void checkMessages(List<NewMessage> messages) {
    for (int i = 0; i < messages.size(); i++) {
      NewMessage m = messages.get(i);
      String at = "messages[" + i + "]";
      if (ContextWindow.utf8Bytes(m.content()) > maxMessageBytes) {
        throw tooLarge(at + ".content", at + ".content is");
      }
      if (ContextWindow.textBytes(m.content(), m.name(), m.toolCalls(), m.toolCallId())
          > maxMessageBytes) {
        throw tooLarge(at, at + " (content, name, tool_call_id and tool_calls together) is");
      }
    }
  }

  private SessionApiException tooLarge(String param, String subject) {
    return new SessionApiException(
        HttpStatus.CONTENT_TOO_LARGE,
        "message_too_large",
        subject + " larger than " + maxMessageBytes + " UTF-8 bytes",
        param);
  }
}
