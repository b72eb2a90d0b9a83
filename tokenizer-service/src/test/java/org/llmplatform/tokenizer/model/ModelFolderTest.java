package org.llmplatform.tokenizer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmplatform.api.error.InvalidFieldException;
import org.llmplatform.api.tokenizer.ChatMessage;
import org.llmplatform.api.tokenizer.TokenizerInfo;
import org.llmplatform.tokenizer.template.ChatTemplateRenderer;

/** What a model folder's configuration files change, on the project's test tokenizer. */
class ModelFolderTest {

  @TempDir Path dir;

  private ModelTokenizer load(String tokenizerConfig) throws IOException {
    Files.copy(TestModels.tinyLlamaGqa().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    if (tokenizerConfig != null) {
      Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfig);
    }
    return TokenizerRegistry.load("test", dir, new ChatTemplateRenderer());
  }

  @Test
  void namedTemplatesAreChosenAsTransformersChoosesThem() throws IOException {
    try (ModelTokenizer model =
        load(
            """
            {"eos_token": "<|im_end|>", "chat_template": [
              {"name": "default", "template": "plain:{{ messages[0].content }}"},
              {"name": "tool_use", "template": "tools:{{ tools | length }}"}]}
            """)) {
      List<ChatMessage> messages = List.of(ChatMessage.of("user", "hi"));
      assertThat(model.renderChat(messages, true, null, null, null, null).text())
          .isEqualTo("plain:hi");
      assertThat(
              model
                  .renderChat(messages, true, List.of(java.util.Map.of()), null, null, null)
                  .text())
          .isEqualTo("tools:1");
      assertThat(model.renderChat(messages, true, null, null, "tool_use", null).text())
          .isEqualTo("tools:0");
      assertThatThrownBy(() -> model.renderChat(messages, true, null, null, "rag", null))
          .isInstanceOf(InvalidFieldException.class)
          .hasMessageContaining("rag");
      TokenizerInfo info = model.info();
      assertThat(info.chatTemplateNames()).containsExactly("default", "tool_use");
      assertThat(info.chatTemplateSource()).isEqualTo("model");
    }
  }

  @Test
  void aChatTemplateJinjaFileAndGenerationConfigEosIds() throws IOException {
    Files.writeString(dir.resolve("chat_template.jinja"), "{{ bos_token }}{{ eos_token }}\n");
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [3, 1]}");
    Files.writeString(
        dir.resolve("special_tokens_map.json"),
        "{\"bos_token\": {\"content\": \"<|endoftext|>\"}, \"eos_token\": \"<|im_end|>\"}");
    try (ModelTokenizer model = load(null)) {
      assertThat(
              model
                  .renderChat(List.of(ChatMessage.of("user", "x")), true, null, null, null, null)
                  .text())
          .isEqualTo("<|endoftext|><|im_end|>");
      TokenizerInfo info = model.info();
      assertThat(info.eosTokenIds()).containsExactly(3, 1);
      assertThat(info.specialTokens().get("bos_token").id()).isEqualTo(1);
      assertThat(info.cleanUpTokenizationSpaces()).isTrue(); // absent: transformers.js's default
      assertThat(info.maxLength()).isNull();
    }
  }

  @Test
  void aModelWithoutTemplateUsesTheDefaultTranscript() throws IOException {
    try (ModelTokenizer model = load("{\"clean_up_tokenization_spaces\": false}")) {
      String prompt =
          model
              .renderChat(
                  List.of(
                      ChatMessage.of("system", " Be brief. "),
                      ChatMessage.of("user", "Hi"),
                      ChatMessage.of("assistant", "Hello."),
                      ChatMessage.of("user", "Bye")),
                  true,
                  null,
                  null,
                  null,
                  null)
              .text();
      assertThat(prompt)
          .isEqualTo("Be brief.\n\nUser: Hi\n\nAssistant: Hello.\n\nUser: Bye\n\nAssistant:");
      assertThat(model.info().hasChatTemplate()).isFalse();
      assertThat(model.info().chatTemplateSource()).isEqualTo("default");
    }
  }

  @Test
  void cleanUpTokenizationSpacesFollowsTheConfig() throws IOException {
    try (ModelTokenizer model = load("{\"clean_up_tokenization_spaces\": true}")) {
      List<Integer> ids = model.encode("Hello , world !", false);
      assertThat(model.decode(ids, true)).isEqualTo("Hello, world!");
    }
  }

  @Test
  void aFolderWithoutTokenizerJsonFailsToLoad() {
    assertThatThrownBy(() -> TokenizerRegistry.load("none", dir, new ChatTemplateRenderer()))
        .hasMessageContaining("cannot load tokenizer none");
  }
}
