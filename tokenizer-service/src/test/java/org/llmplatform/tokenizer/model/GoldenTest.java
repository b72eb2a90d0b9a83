package org.llmplatform.tokenizer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmplatform.api.tokenizer.ChatMessage;
import org.llmplatform.api.tokenizer.StreamingDetokenizer;
import org.llmplatform.tokenizer.template.ChatTemplateException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Compares the service's tokenizers with the independent JavaScript reference (transformers.js):
 * ids, decoded text, chat prompts and their ids, and the template's errors, as written to {@code
 * src/test/resources/goldens} by {@code model-tools/tokenizer-goldens/generate.mjs}. Also feeds
 * every golden's ids one at a time to the streaming detokenizer, which must give the one-shot
 * decode.
 */
class GoldenTest {

  private static final JsonMapper JSON = JsonMapper.shared();
  @RegisterExtension static final GoldenTokenizers TOKENIZERS = new GoldenTokenizers();

  private static List<Integer> ids(JsonNode node) {
    return node.values().stream().map(JsonNode::asInt).toList();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "stories260K",
        "ortgenai-tiny-llama",
        "tiny-llama-gqa",
        "tiny-llama-mha",
        "tiny-llama-fp16",
        "qwen3",
        "llama3",
        "gemma3",
        "deepseek_v3"
      })
  void encodesAndDecodesLikeTheReference(String name) {
    JsonNode golden = GoldenTokenizers.golden(name);
    ModelTokenizer model = TOKENIZERS.load(name);
    assertThat(golden.path("encode").size()).isGreaterThanOrEqualTo(200);
    for (JsonNode entry : golden.path("encode").values()) {
      String text = entry.path("text").asString();
      List<Integer> expected = ids(entry.path("ids"));
      assertThat(model.encode(text, true))
          .as("ids of %s", JSON.writeValueAsString(text))
          .isEqualTo(expected);
      String decoded = entry.path("decoded").asString();
      assertThat(model.decode(expected, true))
          .as("decode of %s", JSON.writeValueAsString(text))
          .isEqualTo(decoded);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "stories260K",
        "ortgenai-tiny-llama",
        "tiny-llama-gqa",
        "tiny-llama-mha",
        "tiny-llama-fp16",
        "qwen3",
        "llama3",
        "gemma3",
        "deepseek_v3"
      })
  void streamingDetokenizationEqualsOneShotDecode(String name) {
    JsonNode golden = GoldenTokenizers.golden(name);
    ModelTokenizer model = TOKENIZERS.load(name);
    List<List<Integer>> sequences = new ArrayList<>();
    golden.path("encode").values().forEach(e -> sequences.add(ids(e.path("ids"))));
    golden.path("chat").values().forEach(c -> sequences.add(ids(c.path("ids"))));
    for (List<Integer> ids : sequences) {
      for (boolean skipSpecial : new boolean[] {true, false}) {
        StreamingDetokenizer detokenizer = model.streamingDetokenizer(skipSpecial);
        StringBuilder streamed = new StringBuilder();
        for (int id : ids) {
          String piece = detokenizer.add(id);
          assertThat(piece).as("piece of %s", ids).doesNotEndWith("\uFFFD");
          streamed.append(piece);
        }
        streamed.append(detokenizer.finish());
        assertThat(streamed.toString())
            .as("stream of %s (skip special %s)", ids, skipSpecial)
            .isEqualTo(model.decode(ids, skipSpecial));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ortgenai-tiny-llama",
        "tiny-llama-gqa",
        "tiny-llama-mha",
        "tiny-llama-fp16",
        "qwen3",
        "llama3",
        "gemma3",
        "deepseek_v3"
      })
  void rendersChatTemplatesLikeTheReference(String name) {
    JsonNode golden = GoldenTokenizers.golden(name);
    ModelTokenizer model = TOKENIZERS.load(name);
    assertThat(golden.path("chat").size()).isGreaterThanOrEqualTo(32);
    for (JsonNode chat : golden.path("chat").values()) {
      List<ChatMessage> messages =
          JSON.convertValue(chat.path("messages"), new TypeReference<List<ChatMessage>>() {});
      List<Map<String, Object>> tools =
          chat.has("tools")
              ? JSON.convertValue(
                  chat.path("tools"), new TypeReference<List<Map<String, Object>>>() {})
              : null;
      boolean generationPrompt = chat.path("add_generation_prompt").asBoolean();
      String what = JSON.writeValueAsString(chat.path("messages"));
      JsonNode expected = chat;
      if (chat.has("flattened") && !model.templateReadsContentParts(null, tools != null)) {
        expected = chat.path("flattened"); // the service joins text parts for such templates
      }
      if (expected.has("error") && callsOnlyWithoutContent(messages)) {
        // the reference cannot render the calls-only turn's none; the service renders it as
        // empty text then (what the same conversation with "" gives), unless that fails as well
        List<ChatMessage> withEmpty = withEmptyContent(messages);
        Throwable thrown =
            catchThrowable(
                () -> model.renderChat(withEmpty, generationPrompt, tools, null, null, null));
        if (thrown == null) {
          assertThat(model.renderChat(messages, generationPrompt, tools, null, null, null).text())
              .as("calls-only turn of %s", what)
              .isEqualTo(
                  model.renderChat(withEmpty, generationPrompt, tools, null, null, null).text());
          continue;
        }
      }
      if (expected.has("error")) {
        Throwable thrown =
            catchThrowable(
                () -> model.renderChat(messages, generationPrompt, tools, null, null, null));
        assertThat(thrown)
            .as("error of %s: %s", what, expected.path("error").asString())
            .isInstanceOf(ChatTemplateException.class);
        if (expected.path("error_raised").asBoolean()) {
          // the template's raise_exception
          assertThat(thrown).hasMessage(expected.path("error").asString());
        }
        continue;
      }
      ChatPrompt prompt = model.renderChat(messages, generationPrompt, tools, null, null, null);
      assertThat(prompt.text())
          .as("prompt of %s", what)
          .isEqualTo(expected.path("prompt").asString());
      // the tokenizer encodes the prompt's text as the reference does
      assertThat(model.encode(prompt.text(), false))
          .as("ids of %s", what)
          .isEqualTo(ids(expected.path("ids")));
      if (prompt.clientSpecialTokens().isEmpty()) {
        assertThat(model.encode(prompt, false))
            .as("ids of %s", what)
            .isEqualTo(ids(expected.path("ids")));
      } else {
        // special-token text in a message is plain text here, not the reference's special id
        // (HostileChatTest checks those ids)
        assertThat(model.encode(prompt, false))
            .as("ids of %s", what)
            .isNotEqualTo(ids(expected.path("ids")));
      }
    }
  }

  private static boolean callsOnlyWithoutContent(List<ChatMessage> messages) {
    return messages.stream().anyMatch(m -> m.toolCalls() != null && m.content() == null);
  }

  private static List<ChatMessage> withEmptyContent(List<ChatMessage> messages) {
    return messages.stream()
        .map(
            m ->
                m.toolCalls() != null && m.content() == null
                    ? new ChatMessage(
                        m.role(), "", m.name(), m.toolCalls(), m.toolCallId(), m.reasoningContent())
                    : m)
        .toList();
  }
}
