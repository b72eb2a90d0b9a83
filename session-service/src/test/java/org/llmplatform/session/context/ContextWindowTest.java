package org.llmplatform.session.context;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.ToolCall;

class ContextWindowTest {

  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void withoutABudgetEverythingIsKept() {
    List<Message> messages = List.of(message(1, "user", 5), message(2, "assistant", 7));
    ContextWindow.Fit fit = ContextWindow.fit("abcd", messages, null);
    assertThat(fit.messages()).isEqualTo(messages);
    assertThat(fit.totalTokens()).isEqualTo(13);
    assertThat(fit.truncated()).isFalse();
  }

  @Test
  void keepsTheLongestSuffixThatFitsAndStopsAtTheFirstThatDoesNot() {
    List<Message> messages =
        List.of(message(1, "user", 1), message(2, "assistant", 9), message(3, "user", 2));
    ContextWindow.Fit fit = ContextWindow.fit(null, messages, 5);
    // seq 1 would fit on its own, but the suffix must be contiguous.
    assertThat(fit.messages()).extracting(Message::seq).containsExactly(3L);
    assertThat(fit.totalTokens()).isEqualTo(2);
    assertThat(fit.truncated()).isTrue();
  }

  @Test
  void systemPromptAndSystemMessagesAreKeptEvenPastTheBudget() {
    List<Message> messages =
        List.of(message(1, "system", 6), message(2, "user", 1), message(3, "user", 1));
    ContextWindow.Fit fit = ContextWindow.fit("12345678", messages, 4);
    assertThat(fit.messages()).extracting(Message::seq).containsExactly(1L);
    assertThat(fit.totalTokens()).isEqualTo(8);
    assertThat(fit.truncated()).isTrue();
  }

  @Test
  void withoutATokenCountAMessageCostsItsStorageBoundFromUtf8Bytes() {
    assertThat(ContextWindow.storageBound("")).isZero();
    assertThat(ContextWindow.storageBound("abcd")).isEqualTo(1);
    assertThat(ContextWindow.storageBound("abcde")).isEqualTo(2);
    assertThat(ContextWindow.storageBound("éé")).isEqualTo(1); // 4 bytes
    assertThat(ContextWindow.storageBound("日本")).isEqualTo(2); // 6 bytes
    assertThat(ContextWindow.storageBound("😀")).isEqualTo(1); // 4 bytes, one code point
  }

  @Test
  void aWindowThatLeavesOlderMessagesOutNeverStartsWithAToolResult() {
    // [user, assistant calling two tools, tool, tool, assistant]
    List<Message> turn =
        List.of(
            message(1, "user", 4),
            toolCalls(2, 5),
            toolResult(3, "call_1", 3),
            toolResult(4, "call_2", 3),
            message(5, "assistant", 2));

    // 8 tokens would fit seqs 3..5; the results go with the call they answer.
    ContextWindow.Fit fit = ContextWindow.fit(null, turn, 8);
    assertThat(fit.messages()).extracting(Message::seq).containsExactly(5L);
    assertThat(fit.totalTokens()).isEqualTo(2);
    assertThat(fit.truncated()).isTrue();

    // 13 fits the call with both results.
    assertThat(ContextWindow.fit(null, turn, 13).messages())
        .extracting(Message::seq)
        .containsExactly(2L, 3L, 4L, 5L);
    // A whole conversation that fits is kept as it is, even one that starts with a tool result.
    assertThat(ContextWindow.fit(null, turn.subList(2, 5), 8).messages()).hasSize(3);
  }

  @Test
  void systemMessagesAmongTheDroppedResultsAreStillKept() {
    List<Message> messages =
        List.of(
            message(1, "user", 4),
            toolCalls(2, 5),
            toolResult(3, "call_1", 3),
            message(4, "system", 1),
            toolResult(5, "call_2", 3),
            message(6, "assistant", 2));
    ContextWindow.Fit fit = ContextWindow.fit(null, messages, 9);
    assertThat(fit.messages()).extracting(Message::seq).containsExactly(4L, 6L);
    assertThat(fit.totalTokens()).isEqualTo(3);
  }

  @Test
  void theStorageBoundCountsTheToolCallsAndIds() {
    Message calls =
        new Message(
            1,
            "assistant",
            null,
            null,
            List.of(ToolCall.of("c1", "get_weather", "{\"city\":\"Paris\"}")),
            null,
            null,
            T);
    // "c1" + "get_weather" + {"city":"Paris"} = 2 + 11 + 16 = 29 bytes
    assertThat(ContextWindow.cost(calls)).isEqualTo(8);
    Message result = new Message(2, "tool", "sunny", null, null, "c1", null, T);
    assertThat(ContextWindow.cost(result)).isEqualTo(2); // 5 + 2 bytes
  }

  /** Differential: the linear scan against trying every start index, on random conversations. */
  @Test
  void agreesWithANaiveSearchOnRandomConversations() {
    Random random = new Random(42);
    for (int round = 0; round < 2000; round++) {
      int n = random.nextInt(12);
      List<Message> messages = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String role = ROLES.get(random.nextInt(ROLES.size()));
        Integer tokens = random.nextInt(4) == 0 ? null : random.nextInt(10);
        String text = "x".repeat(random.nextInt(20));
        if (role.equals("tool")) {
          messages.add(new Message(i + 1, role, text, null, null, "c" + i, tokens, T));
        } else if (role.equals("assistant") && random.nextBoolean()) {
          List<ToolCall> calls = List.of(ToolCall.of("c" + i, "f", text));
          messages.add(new Message(i + 1, role, null, null, calls, null, tokens, T));
        } else {
          messages.add(new Message(i + 1, role, text, tokens, T));
        }
      }
      String prompt = random.nextBoolean() ? null : "p".repeat(random.nextInt(30));
      Integer budget = random.nextInt(8) == 0 ? null : random.nextInt(60);

      assertThat(ContextWindow.fit(prompt, messages, budget).messages())
          .as("round %d", round)
          .isEqualTo(naive(prompt, messages, budget));
    }
  }

  private static final List<String> ROLES =
      List.of("system", "user", "user", "assistant", "assistant", "tool", "tool");

  /**
   * The first start index from which the other messages fit and, unless it is 0, whose first
   * message other than a system message is not a tool result.
   */
  private static List<Message> naive(String prompt, List<Message> messages, Integer budget) {
    if (budget == null) {
      return messages;
    }
    long fixed = prompt == null ? 0 : ContextWindow.storageBound(prompt);
    for (Message m : messages) {
      fixed += m.role().equals("system") ? ContextWindow.cost(m) : 0;
    }
    for (int start = 0; start <= messages.size(); start++) {
      long used = fixed;
      for (Message m : messages.subList(start, messages.size())) {
        used += m.role().equals("system") ? 0 : ContextWindow.cost(m);
      }
      boolean restAreSystemOrFit = used <= budget;
      boolean startsWithAToolResult =
          start > 0
              && messages.subList(start, messages.size()).stream()
                  .filter(m -> !m.role().equals("system"))
                  .findFirst()
                  .map(m -> m.role().equals("tool"))
                  .orElse(false);
      if ((restAreSystemOrFit && !startsWithAToolResult) || start == messages.size()) {
        List<Message> kept = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
          if (i >= start || messages.get(i).role().equals("system")) {
            kept.add(messages.get(i));
          }
        }
        return kept;
      }
    }
    throw new AssertionError("unreachable");
  }

  private static Message message(long seq, String role, int tokens) {
    return new Message(seq, role, "text", tokens, T);
  }

  private static Message toolCalls(long seq, int tokens) {
    List<ToolCall> calls =
        List.of(ToolCall.of("call_1", "f", "{}"), ToolCall.of("call_2", "g", "{}"));
    return new Message(seq, "assistant", null, null, calls, null, tokens, T);
  }

  private static Message toolResult(long seq, String callId, int tokens) {
    return new Message(seq, "tool", "result", null, null, callId, tokens, T);
  }
}
