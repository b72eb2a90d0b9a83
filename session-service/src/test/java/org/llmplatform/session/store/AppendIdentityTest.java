package org.llmplatform.session.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.ToolCall;

class AppendIdentityTest {

  @Test
  void messagesWithRoleAndContentOnlyHashAsBeforeToolCallsExisted() {
    // SHA-256 of "4:user2:hi9:assistant5:hello": length-prefixed roles and contents, as hashed
    // before tool calls existed (keys recorded then must still replay)
    assertThat(hash(new NewMessage("user", "hi", 3), new NewMessage("assistant", "hello", null)))
        .isEqualTo("m:3ab5dcb44d78a4437db9c05c56aa99363736ede697f88262f2fd118258b556d1");
  }

  @Test
  void everyFieldOfAToolCallTellsRequestsApart() {
    ToolCall call = ToolCall.of("c1", "f", "{}");
    List<String> hashes =
        List.of(
            hash(NewMessage.toolCalls("", List.of(call), null)),
            hash(NewMessage.toolCalls(null, List.of(call), null)),
            hash(NewMessage.toolCalls("", List.of(ToolCall.of("c2", "f", "{}")), null)),
            hash(NewMessage.toolCalls("", List.of(ToolCall.of("c1", "g", "{}")), null)),
            hash(NewMessage.toolCalls("", List.of(ToolCall.of("c1", "f", "{ }")), null)),
            hash(NewMessage.toolResult("c1", "21", null)),
            hash(NewMessage.toolResult("c2", "21", null)),
            hash(new NewMessage("user", "hi", "ann", null, null, null)),
            hash(new NewMessage("user", "hi", null)));
    assertThat(hashes).doesNotHaveDuplicates();
  }

  private static String hash(NewMessage... messages) {
    return AppendIdentity.requestHash(new AppendMessagesRequest(List.of(messages), null, null));
  }
}
