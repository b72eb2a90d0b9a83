package org.llmplatform.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.client.SessionClient.Turn;

class ConversationTest {

  private static final Turn SYSTEM = new Turn("system", "be brief", 5);
  private static final Turn NEW = new Turn("user", "now", null);

  @Test
  void dropsOldestHistoryUntilEnoughTokensKeepingTheSystemPrompt() {
    var history =
        List.of(
            SYSTEM,
            new Turn("user", "a", 10),
            new Turn("assistant", "b", 10),
            new Turn("user", "c", 10));
    var conversation = new Conversation("s", history, List.of(NEW), 4);
    var shorter = conversation.withoutOldest(15);
    assertThat(shorter.history()).containsExactly(SYSTEM, new Turn("user", "c", 10));
    assertThat(shorter.added()).containsExactly(NEW);
    assertThat(shorter.seq()).isEqualTo(4);
    assertThat(shorter.messages()).containsExactly(SYSTEM, new Turn("user", "c", 10), NEW);
  }

  @Test
  void theHistoryNeverStartsWithTheAnswerToADroppedQuestion() {
    var answer = new Turn("assistant", "b", 10);
    var tool = new Turn("tool", "{}", 3);
    var question = new Turn("user", "c", 10);
    var history = List.of(SYSTEM, new Turn("user", "a", 10), answer, tool, question);
    var shorter = new Conversation("s", history, List.of(NEW), 5).withoutOldest(1);
    assertThat(shorter.history()).containsExactly(SYSTEM, question);
  }

  @Test
  void nothingLeftToDropIsNull() {
    assertThat(new Conversation("s", List.of(SYSTEM), List.of(NEW), 1).withoutOldest(1)).isNull();
    assertThat(Conversation.withoutSession(List.of(NEW)).withoutOldest(1)).isNull();
  }

  @Test
  void unknownCountsAreEstimatedFromLength() {
    assertThat(Conversation.estimate(new Turn("user", "x".repeat(30), null))).isEqualTo(14);
    assertThat(Conversation.estimate(new Turn("user", "x", 3))).isEqualTo(3);
  }
}
