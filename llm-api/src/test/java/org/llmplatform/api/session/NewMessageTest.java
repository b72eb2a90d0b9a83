package org.llmplatform.api.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.error.InvalidFieldException;

/** The message rules, each refusal naming its field relative to the message. */
class NewMessageTest {

  private static final ToolCall CALL = ToolCall.of("call_1", "get_weather", "{\"city\":\"Paris\"}");

  @Test
  void aMessageWithRoleAndTextOnlyHasNoToolFields() {
    NewMessage message = new NewMessage("user", "hi", 2);
    assertThat(message.name()).isNull();
    assertThat(message.toolCalls()).isEmpty();
    assertThat(message.toolCallId()).isNull();
  }

  @Test
  void anAssistantMessageMayCallToolsWithoutContent() {
    NewMessage calls = NewMessage.toolCalls(null, List.of(CALL), null);
    assertThat(calls.content()).isNull();
    assertThat(calls.toolCalls()).containsExactly(CALL);
    Message stored = Message.of(2, calls, Instant.EPOCH);
    assertThat(stored.toolCalls()).containsExactly(CALL);
    assertThat(stored.content()).isNull();
  }

  @Test
  void anEmptyListOfToolCallsIsNone() {
    NewMessage message = new NewMessage("user", "hi", null, List.of(), null, null);
    assertThat(message.toolCalls()).isEmpty();
  }

  @Test
  void refusalsNameTheFieldRelativeToTheMessage() {
    refused(() -> new NewMessage("tool", "21", 1), "tool_call_id");
    refused(() -> new NewMessage("user", "q", null, null, "call_1", null), "tool_call_id");
    refused(() -> new NewMessage("user", "q", null, List.of(CALL), null, null), "tool_calls");
    refused(() -> NewMessage.toolCalls("", List.of(CALL, CALL), null), "tool_calls[1].id");
    refused(() -> NewMessage.toolCalls("", Arrays.asList(CALL, null), null), "tool_calls[1]");
    refused(() -> new NewMessage("assistant", null, null), "content");
    refused(() -> new NewMessage("user", "q", "x".repeat(65), null, null, null), "name");
    refused(() -> new ToolCall("c", "retrieval", CALL.function()), "type");
    refused(() -> new ToolCall("", "function", CALL.function()), "id");
    refused(() -> new ToolCall.Function("get weather", "{}"), "name");
    refused(() -> new ToolCall.Function("f".repeat(65), "{}"), "name");
    refused(() -> new ToolCall.Function("f", null), "arguments");
  }

  private static void refused(Runnable creation, String param) {
    assertThatThrownBy(creation::run)
        .isInstanceOfSatisfying(
            InvalidFieldException.class, e -> assertThat(e.param()).isEqualTo(param))
        .hasMessageStartingWith(param);
  }
}
