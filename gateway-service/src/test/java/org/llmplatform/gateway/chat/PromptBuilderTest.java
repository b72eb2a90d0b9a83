package org.llmplatform.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.message.ChatMessage;

/** tokenizer-service's refusals, which count the rendered list, told in the client's terms. */
class PromptBuilderTest {

  private static final Conversation CONVERSATION =
      new Conversation(
          "s1",
          List.of(turn("system", "rules", 3), turn("user", "old", 2)),
          List.of(turn("user", "a", null), turn("user", "b", null)),
          2);

  @Test
  void theClientsOwnMessagesAreNumberedAsItSentThem() {
    ApiException e =
        PromptBuilder.clientsMessage(
            ApiException.invalidRequest(
                "messages[3].content", "messages[3].content renders past the template's limits"),
            CONVERSATION);
    assertThat(e.param()).isEqualTo("messages[1].content");
    assertThat(e.getMessage()).isEqualTo("messages[1].content renders past the template's limits");
    assertThat(e.status().value()).isEqualTo(400);
  }

  @Test
  void aStoredMessageIsNamedByItsSession() {
    ApiException e =
        PromptBuilder.clientsMessage(
            ApiException.invalidRequest("messages[1].role", "messages[1].role is unknown"),
            CONVERSATION);
    assertThat(e.param()).isEqualTo("session_id");
    assertThat(e.getMessage()).contains("history").doesNotContain("messages[1]");
  }

  @Test
  void otherErrorsPassUnchanged() {
    ApiException down = ApiException.unavailable("tokenizer-service", "down", null);
    assertThat(PromptBuilder.clientsMessage(down, CONVERSATION)).isSameAs(down);
    ApiException other = ApiException.invalidRequest("model", "unknown");
    assertThat(PromptBuilder.clientsMessage(other, CONVERSATION)).isSameAs(other);
  }

  private static ChatMessage turn(String role, String content, Integer tokens) {
    return ChatMessage.of(role, content).withTokenCount(tokens);
  }
}
