package org.llmplatform.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.message.ChatMessage;

class ConversationTest {

  private static final ChatMessage SYSTEM = turn("system", "be brief", 5);
  private static final ChatMessage NEW = turn("user", "now", null);

  @Test
  void dropsOldestHistoryUntilEnoughTokensKeepingTheSystemPrompt() {
    var history =
        List.of(SYSTEM, turn("user", "a", 10), turn("assistant", "b", 10), turn("user", "c", 10));
    var conversation = new Conversation("s", history, List.of(NEW), 4);
    var shorter = conversation.withoutOldest(15, List.of(5, 10, 10, 10, 3));
    assertThat(shorter.history()).containsExactly(SYSTEM, turn("user", "c", 10));
    assertThat(shorter.added()).containsExactly(NEW);
    assertThat(shorter.seq()).isEqualTo(4);
    assertThat(shorter.messages()).containsExactly(SYSTEM, turn("user", "c", 10), NEW);
  }

  @Test
  void theHistoryNeverStartsWithTheAnswerToADroppedQuestion() {
    var answer = turn("assistant", "b", 10);
    var tool = new ChatMessage("tool", "{}", null, null, "call_1", 3);
    var question = turn("user", "c", 10);
    var history = List.of(SYSTEM, turn("user", "a", 10), answer, tool, question);
    var shorter =
        new Conversation("s", history, List.of(NEW), 5)
            .withoutOldest(1, List.of(5, 10, 10, 3, 10, 3));
    assertThat(shorter.history()).containsExactly(SYSTEM, question);
  }

  @Test
  void theCountsOfTheRenderDecideNotTheStoredOnes() {
    // stored counts say 10 each (5 over: the first round would do); the render counted 2, 2, 7
    var history = List.of(turn("user", "a", 10), turn("assistant", "b", 10), turn("user", "c", 10));
    var render = List.of(2, 2, 7, 3);
    var conversation = new Conversation("s", history, List.of(NEW), 3);
    assertThat(conversation.withoutOldest(5, render).history()).isEmpty();
    assertThat(conversation.withoutOldest(4, render).history())
        .containsExactly(turn("user", "c", 10));
  }

  @Test
  void withoutCountsOnlyTheOldestQuestionAndItsRepliesGo() {
    var history =
        List.of(
            SYSTEM,
            turn("user", "a", null),
            turn("assistant", "b", null),
            turn("user", "c", null),
            turn("assistant", "d", null));
    var shorter = new Conversation("s", history, List.of(NEW), 5).withoutOldest(1000, null);
    assertThat(shorter.history())
        .containsExactly(SYSTEM, turn("user", "c", null), turn("assistant", "d", null));
  }

  @Test
  void nothingLeftToDropIsNull() {
    assertThat(
            new Conversation("s", List.of(SYSTEM), List.of(NEW), 1).withoutOldest(1, List.of(5, 3)))
        .isNull();
    assertThat(Conversation.withoutSession(List.of(NEW)).withoutOldest(1, List.of(3))).isNull();
  }

  private static ChatMessage turn(String role, String content, Integer tokens) {
    return ChatMessage.of(role, content).withTokenCount(tokens);
  }
}
