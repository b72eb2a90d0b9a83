package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Chat completions over HTTP, streaming and not, and the models endpoints. */
class ChatIT {

  static Platform platform;

  @BeforeAll
  static void start() throws Exception {
    platform = Platform.get();
  }

  static String chat(String extra) {
    return "{\"model\":\""
        + Platform.TINY
        + "\",\"temperature\":0,\"max_tokens\":12,"
        + "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"Tell me a story.\"}]"
        + extra
        + "}";
  }

  @Test
  void chatCompletionHasTheOpenAiShapeAndThePromptOfTheChatTemplate() throws Exception {
    Http.Answer answer =
        Http.post(platform.gatewayUrl() + "/v1/chat/completions", platform.alphaKey, chat(""));
    assertThat(answer.status()).as(answer.raw().body()).isEqualTo(200);
    JsonNode json = answer.json();
    assertThat(json.path("object").asString()).isEqualTo("chat.completion");
    assertThat(json.path("id").asString()).startsWith("chatcmpl-");
    JsonNode choice = json.path("choices").get(0);
    assertThat(choice.path("message").path("role").asString()).isEqualTo("assistant");
    assertThat(choice.path("finish_reason").asString()).isIn("stop", "length");
    int promptTokens =
        Expected.chatPromptTokens(
            platform,
            Platform.TINY,
            List.of(List.of("system", "Be brief."), List.of("user", "Tell me a story.")));
    assertThat(json.path("usage").path("prompt_tokens").asInt()).isEqualTo(promptTokens);
    assertThat(json.path("usage").path("total_tokens").asInt())
        .isEqualTo(promptTokens + json.path("usage").path("completion_tokens").asInt());
  }

  @Test
  void streamedChatEqualsTheNonStreamedAnswerAndEndsWithUsageThenDone() throws Exception {
    String whole =
        Http.post(platform.gatewayUrl() + "/v1/chat/completions", platform.alphaKey, chat(""))
            .json()
            .path("choices")
            .get(0)
            .path("message")
            .path("content")
            .asString();
    List<String> events =
        Http.stream(
            platform.gatewayUrl() + "/v1/chat/completions",
            platform.alphaKey,
            chat(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
    assertThat(events.getLast()).isEqualTo("[DONE]");
    JsonNode first = Http.json(events.getFirst());
    assertThat(first.path("object").asString()).isEqualTo("chat.completion.chunk");
    assertThat(first.path("choices").get(0).path("delta").path("role").asString())
        .isEqualTo("assistant");
    JsonNode usageChunk = Http.json(events.get(events.size() - 2));
    assertThat(usageChunk.path("choices")).isEmpty();
    assertThat(usageChunk.path("usage").path("completion_tokens").asInt()).isPositive();
    var text = new StringBuilder();
    String finish = null;
    for (String event : events.subList(0, events.size() - 2)) {
      JsonNode choice = Http.json(event).path("choices").get(0);
      text.append(choice.path("delta").path("content").asString(""));
      if (!choice.path("finish_reason").isNull()) {
        finish = choice.path("finish_reason").asString();
      }
    }
    assertThat(text.toString()).isEqualTo(whole);
    assertThat(finish).isIn("stop", "length");
  }

  @Test
  void modelsListsEveryServedModelDefaultFirst() throws Exception {
    Http.Answer models = Http.get(platform.gatewayUrl() + "/v1/models", platform.alphaKey);
    assertThat(models.status()).isEqualTo(200);
    assertThat(models.json().path("data").get(0).path("id").asString()).isEqualTo(Platform.TINY);
    assertThat(models.json().path("data").size()).isEqualTo(platform.modelDirs.size());
    assertThat(
            Http.get(platform.gatewayUrl() + "/v1/models/" + Platform.TINY, platform.alphaKey)
                .status())
        .isEqualTo(200);
    assertThat(Http.get(platform.gatewayUrl() + "/v1/models/gpt-17", platform.alphaKey).status())
        .isEqualTo(404);
  }
}
