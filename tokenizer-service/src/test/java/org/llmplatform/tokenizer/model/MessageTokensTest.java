package org.llmplatform.tokenizer.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmplatform.api.tokenizer.ChatMessage;
import org.llmplatform.tokenizer.template.ChatTemplateException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each message's tokens ({@link ModelTokenizer#encodeChat}) on every chat template the golden tests
 * use: the ids are the prompt's, the counts add up to the prompt's tokens less the template's
 * prefix and generation prompt, each message's text lies in its own part, and on ChatML (whose
 * parts end before a special token) each count equals the naive one: the tokens of the conversation
 * rendered up to that message less those up to the one before, one render per message.
 */
class MessageTokensTest {

  private static final JsonMapper JSON = JsonMapper.shared();
  @RegisterExtension static final GoldenTokenizers TOKENIZERS = new GoldenTokenizers();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ortgenai-tiny-llama",
        "tiny-llama-gqa",
        "qwen3",
        "llama3",
        "gemma3",
        "deepseek_v3"
      })
  void countsAddUpToThePromptLessTheTemplatesOwnTokens(String name) {
    ModelTokenizer model = TOKENIZERS.load(name);
    int checked = 0;
    int unknown = 0;
    for (JsonNode chat : GoldenTokenizers.golden(name).path("chat").values()) {
      List<ChatMessage> messages =
          JSON.convertValue(chat.path("messages"), new TypeReference<List<ChatMessage>>() {});
      List<Map<String, Object>> tools =
          chat.has("tools")
              ? JSON.convertValue(
                  chat.path("tools"), new TypeReference<List<Map<String, Object>>>() {})
              : null;
      boolean generationPrompt = chat.path("add_generation_prompt").asBoolean();
      ChatPrompt prompt;
      try {
        prompt = model.renderChat(messages, generationPrompt, tools, null, null, null);
      } catch (ChatTemplateException refused) {
        continue;
      }
      String what = name + " " + JSON.writeValueAsString(chat.path("messages"));
      ChatTokens tokens = model.encodeChat(prompt, false);
      assertThat(tokens.ids()).as("ids of %s", what).isEqualTo(model.encode(prompt, false));
      ChatPrompt.MessageParts parts = prompt.messageParts();
      if (parts == null) { // no loop over the messages (Llama 2's over messages[1:] without them)
        assertThat(tokens.messageTokens()).isNull();
        unknown++;
        continue;
      }
      assertThat(tokens.messageTokens()).as("counts of %s", what).hasSize(messages.size());
      // the template's own tokens: before the first part, after the last
      int lastEnd = parts.ends().stream().mapToInt(Integer::intValue).max().orElseThrow();
      int prefix = model.encode(prompt.text().substring(0, parts.start()), false).size();
      int sum = tokens.messageTokens().stream().mapToInt(Integer::intValue).sum();
      int suffix = tokens.ids().size() - prefix - sum;
      assertThat(suffix).as("suffix of %s", what).isGreaterThanOrEqualTo(0);
      String after = prompt.text().substring(lastEnd);
      for (ChatMessage message : messages) {
        if (message.content() instanceof String content && content.strip().length() > 2) {
          assertThat(after)
              .as("what follows the last message of %s", what)
              .doesNotContain(content.strip());
        }
      }
      for (int i = 0; i < messages.size(); i++) {
        int end = parts.ends().get(i);
        int start = end < 0 ? -1 : partStart(parts, i);
        if (end < 0 || end <= start) {
          // written outside the loop's pass over it (a system prompt before the loop, as Qwen3 and
          // DeepSeek-V3 write it, or inside the first user turn): it counts nothing of its own
          assertThat(tokens.messageTokens().get(i)).as("count %d of %s", i, what).isZero();
          continue;
        }
        if (messages.get(i).content() instanceof String content
            && content.strip().length() > 2
            && prompt.clientSpecialTokens().isEmpty()
            && count(prompt.text(), content.strip()) == 1) {
          int at = prompt.text().indexOf(content.strip());
          assertThat(at)
              .as("message %d's text in its part [%d, %d) of %s", i, start, end, what)
              .isBetween(start, end - 1);
          checked++;
        }
      }
    }
    assertThat(checked).as("messages found in their parts").isGreaterThan(10);
    assertThat(unknown).as("conversations whose parts are unknown").isLessThanOrEqualTo(2);
  }

  @Test
  void onChatMlEachCountIsThePromptUpToTheMessageLessThePromptBeforeIt() {
    ModelTokenizer model = TOKENIZERS.load("tiny-llama-gqa");
    Random random = new Random(17);
    List<ChatMessage> messages = new ArrayList<>();
    messages.add(ChatMessage.of("system", "You are kind. Ünïcode 😀 and <|im_end|> as text."));
    String[] words = {"once", "upon", "a", "time", "😀", "naïve", "  ", "\n", "<|im_start|>", "x"};
    for (int i = 0; i < 40; i++) {
      StringBuilder text = new StringBuilder();
      for (int w = random.nextInt(30); w >= 0; w--) {
        text.append(words[random.nextInt(words.length)]).append(random.nextBoolean() ? " " : "");
      }
      messages.add(ChatMessage.of(i % 2 == 0 ? "user" : "assistant", text.toString()));
    }
    ChatTokens all =
        model.encodeChat(model.renderChat(messages, true, null, null, null, null), false);
    int before = 0;
    for (int i = 0; i < messages.size(); i++) {
      ChatPrompt upTo = model.renderChat(messages.subList(0, i + 1), false, null, null, null, null);
      int tokens = model.encode(upTo, false).size();
      assertThat(all.messageTokens().get(i)).as("message %d", i).isEqualTo(tokens - before);
      before = tokens;
    }
    // what is left is the generation prompt: <|im_start|>assistant\n
    int sum = all.messageTokens().stream().mapToInt(Integer::intValue).sum();
    assertThat(all.ids().size() - sum)
        .isEqualTo(model.encode("<|im_start|>assistant\n", false).size());
  }

  @Test
  void aTemplateThatFoldsTheSystemPromptIntoTheFirstTurnCountsItThere() {
    ModelTokenizer model =
        TOKENIZERS.load("ortgenai-tiny-llama"); // Llama 2: [INST] <<SYS>>…<</SYS>> q [/INST]
    List<ChatMessage> messages =
        List.of(
            ChatMessage.of("system", "Be brief."),
            ChatMessage.of("user", "Hi"),
            ChatMessage.of("assistant", "Hello"),
            ChatMessage.of("user", "Bye"));
    ChatPrompt prompt = model.renderChat(messages, true, null, null, null, null);
    ChatTokens tokens = model.encodeChat(prompt, false);
    int sum = tokens.messageTokens().stream().mapToInt(Integer::intValue).sum();
    assertThat(sum).isEqualTo(tokens.ids().size() - prefixTokens(model, prompt));
    if (prompt.messageParts().ends().getFirst() < 0) {
      assertThat(tokens.messageTokens().getFirst()).isZero();
      assertThat(tokens.messageTokens().get(1))
          .isGreaterThanOrEqualTo(model.encode("Be brief. Hi", false).size());
    }
  }

  @Test
  void addedTokensBelongToNoMessage() {
    ModelTokenizer model =
        TOKENIZERS.load("stories260K"); // the default template; its BOS is added here
    List<ChatMessage> messages = List.of(ChatMessage.of("user", "Tell a story."));
    ChatPrompt prompt = model.renderChat(messages, true, null, null, null, null);
    ChatTokens plain = model.encodeChat(prompt, false);
    ChatTokens added = model.encodeChat(prompt, true);
    assertThat(added.ids()).isEqualTo(model.encode(prompt, true));
    assertThat(added.messageTokens()).isEqualTo(plain.messageTokens());
  }

  private static int prefixTokens(ModelTokenizer model, ChatPrompt prompt) {
    return model.encode(prompt.text().substring(0, prompt.messageParts().start()), false).size();
  }

  private static int partStart(ChatPrompt.MessageParts parts, int message) {
    for (int i = message - 1; i >= 0; i--) {
      if (parts.ends().get(i) >= 0) {
        return parts.ends().get(i);
      }
    }
    return parts.start();
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      n++;
    }
    return n;
  }
}
