package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.SessionMessages;
import org.llmplatform.api.session.ToolCall;
import org.llmplatform.session.context.ContextWindow;

/**
 * Differential test of the Redis read path: {@code messages.lua} walks the token costs back from
 * the newest message and reads only the window, and must answer exactly what {@link
 * ContextWindow#fit} chooses from the whole conversation, on random conversations (system messages
 * anywhere, token counts given or estimated from multi-byte text, assistant messages with tool
 * calls and tool results that a window must not start with, more messages than one chunk of the
 * walk) and random budgets; also for a session without the costs index (written before it existed),
 * which is read whole.
 */
class ContextWindowReadTest extends RedisBackedTest {

  private static final List<String> ROLES = List.of("system", "user", "assistant", "tool");
  private static final List<String> PIECES = List.of("a", "word ", "é", "漢字", "🙂", "\n");

  private SessionCalls calls;

  @BeforeEach
  void calls() {
    calls = new SessionCalls(http);
  }

  @Test
  void theWindowReadFromRedisIsTheOneContextWindowChoosesFromTheWholeConversation() {
    Random random = new Random(20261129);
    for (int conversation = 0; conversation < 30; conversation++) {
      String id = randomConversation(random, "alice");
      checkBudgets(random, "alice", id);
    }
  }

  @Test
  void aSessionWithoutTheCostsIndexIsReadWholeWithTheSameAnswer() {
    Random random = new Random(7);
    for (int conversation = 0; conversation < 5; conversation++) {
      String id = randomConversation(random, "bob");
      String session = properties.keyPrefix() + "{bob}:s:" + id;
      redis.delete(session + ":costs", session + ":sys").block();
      redis.opsForHash().remove(session, "kept_tokens").block();
      checkBudgets(random, "bob", id);
      // Appends keep working, and the session stays on the whole-read path.
      calls.append("bob", id, randomMessages(random, 3).toArray(NewMessage[]::new));
      checkBudgets(random, "bob", id);
    }
  }

  private String randomConversation(Random random, String owner) {
    String prompt = random.nextInt(4) == 0 ? null : text(random, random.nextInt(30));
    String id = calls.create(new CreateSessionRequest(owner, "m", prompt, Map.of())).id();
    int messages = random.nextInt(4) == 0 ? 70 + random.nextInt(80) : random.nextInt(25);
    while (messages > 0) {
      int batch = Math.min(messages, 1 + random.nextInt(5));
      calls.append(owner, id, new AppendMessagesRequest(randomMessages(random, batch), null, null));
      messages -= batch;
    }
    return id;
  }

  private void checkBudgets(Random random, String owner, String id) {
    SessionMessages whole = calls.messages(owner, id, null);
    long total = whole.totalTokens();
    List<Integer> budgets = new ArrayList<>(List.of(1, (int) Math.max(1, total), (int) total + 1));
    for (int i = 0; i < 6; i++) {
      budgets.add(1 + random.nextInt((int) total + 10));
    }
    for (int budget : budgets) {
      ContextWindow.Fit expected =
          ContextWindow.fit(whole.systemPrompt(), whole.messages(), budget);
      SessionMessages window = calls.messages(owner, id, budget);
      String what = id + " max_tokens=" + budget;
      assertThat(window.messages()).as(what).isEqualTo(expected.messages());
      assertThat(window.totalTokens()).as(what).isEqualTo(expected.totalTokens());
      assertThat(window.truncated()).as(what).isEqualTo(expected.truncated());
      assertThat(window.lastSeq()).as(what).isEqualTo(whole.lastSeq());
      assertThat(window.systemPrompt()).as(what).isEqualTo(whole.systemPrompt());
    }
  }

  private static List<NewMessage> randomMessages(Random random, int count) {
    List<NewMessage> messages = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String role = random.nextInt(6) == 0 ? "system" : ROLES.get(1 + random.nextInt(3));
      Integer tokens = random.nextBoolean() ? null : random.nextInt(40);
      String text = text(random, random.nextInt(40));
      if (role.equals("tool")) {
        messages.add(NewMessage.toolResult("call_" + i, text, tokens));
      } else if (role.equals("assistant") && random.nextBoolean()) {
        List<ToolCall> calls = new ArrayList<>();
        for (int c = random.nextInt(3); c >= 0; c--) {
          calls.add(ToolCall.of("call_" + c, "f_" + c, "{\"q\":\"" + text + "\"}"));
        }
        messages.add(NewMessage.toolCalls(random.nextBoolean() ? null : text, calls, tokens));
      } else {
        messages.add(new NewMessage(role, text, tokens));
      }
    }
    return messages;
  }

  private static String text(Random random, int pieces) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < pieces; i++) {
      text.append(PIECES.get(random.nextInt(PIECES.size())));
    }
    return text.toString();
  }
}
