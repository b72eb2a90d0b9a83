package org.llmplatform.session.context;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.Message;

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
  void unknownTokenCountsAreEstimatedFromUtf8Bytes() {
    assertThat(ContextWindow.estimateTokens("")).isZero();
    assertThat(ContextWindow.estimateTokens("abcd")).isEqualTo(1);
    assertThat(ContextWindow.estimateTokens("abcde")).isEqualTo(2);
    assertThat(ContextWindow.estimateTokens("éé")).isEqualTo(1); // 4 bytes
    assertThat(ContextWindow.estimateTokens("日本")).isEqualTo(2); // 6 bytes
    assertThat(ContextWindow.estimateTokens("😀")).isEqualTo(1); // 4 bytes, one code point
  }

  /** Differential: the linear scan against trying every start index, on random conversations. */
  @Test
  void agreesWithANaiveSearchOnRandomConversations() {
    Random random = new Random(42);
    for (int round = 0; round < 2000; round++) {
      int n = random.nextInt(12);
      List<Message> messages = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String role = random.nextInt(6) == 0 ? "system" : (i % 2 == 0 ? "user" : "assistant");
        Integer tokens = random.nextInt(4) == 0 ? null : random.nextInt(10);
        messages.add(new Message(i + 1, role, "x".repeat(random.nextInt(20)), tokens, T));
      }
      String prompt = random.nextBoolean() ? null : "p".repeat(random.nextInt(30));
      Integer budget = random.nextInt(8) == 0 ? null : random.nextInt(60);

      assertThat(ContextWindow.fit(prompt, messages, budget).messages())
          .as("round %d", round)
          .isEqualTo(naive(prompt, messages, budget));
    }
  }

  private static List<Message> naive(String prompt, List<Message> messages, Integer budget) {
    if (budget == null) {
      return messages;
    }
    long fixed = prompt == null ? 0 : ContextWindow.estimateTokens(prompt);
    for (Message m : messages) {
      fixed += m.role().equals("system") ? ContextWindow.tokens(m) : 0;
    }
    for (int start = 0; start <= messages.size(); start++) {
      long used = fixed;
      for (Message m : messages.subList(start, messages.size())) {
        used += m.role().equals("system") ? 0 : ContextWindow.tokens(m);
      }
      boolean restAreSystemOrFit = used <= budget;
      if (restAreSystemOrFit || start == messages.size()) {
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
}
