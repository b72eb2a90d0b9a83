package org.llmplatform.session.api;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.session.SessionProperties;
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
    if (systemPrompt != null) {
      checkSize(systemPrompt, "system_prompt");
    }
  }

  void checkMessages(List<NewMessage> messages) {
    for (int i = 0; i < messages.size(); i++) {
      checkSize(messages.get(i).content(), "messages[" + i + "].content");
    }
  }

  private void checkSize(String text, String param) {
    boolean surelyFits = (long) text.length() * 3 <= maxMessageBytes; // ≤ 3 bytes per char
    if (!surelyFits
        && (text.length() > maxMessageBytes
            || text.getBytes(StandardCharsets.UTF_8).length > maxMessageBytes)) {
      throw new SessionApiException(
          HttpStatus.CONTENT_TOO_LARGE,
          "message_too_large",
          param + " is larger than " + maxMessageBytes + " UTF-8 bytes",
          param);
    }
  }
}
