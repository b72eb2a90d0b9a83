package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real OpenAI client library (LangChain4j's OpenAI module, from Maven Central) talks to the
 * gateway, streaming and not, with no HTTP code of ours on the client side.
 */
class OpenAiClientIT {

  static Platform platform;
  static String expected;

  @BeforeAll
  static void start() throws Exception {
    platform = Platform.get();
    expected =
        Http.post(
                platform.gatewayUrl() + "/v1/chat/completions",
                platform.alphaKey,
                "{\"model\":\""
                    + Platform.TINY
                    + "\",\"temperature\":0,\"max_tokens\":12,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story.\"}]}")
            .json()
            .path("choices")
            .get(0)
            .path("message")
            .path("content")
            .asString();
  }

  @Test
  void blockingChatThroughTheOpenAiClient() {
    OpenAiChatModel model =
        OpenAiChatModel.builder()
            .baseUrl(platform.gatewayUrl() + "/v1")
            .apiKey(platform.alphaKey)
            .modelName(Platform.TINY)
            .temperature(0.0)
            .maxTokens(12)
            .timeout(Duration.ofSeconds(60))
            .build();
    ChatResponse response =
        model.chat(dev.langchain4j.data.message.UserMessage.from("Tell me a story."));
    assertThat(response.aiMessage().text()).isEqualTo(expected);
    assertThat(response.tokenUsage().outputTokenCount()).isPositive();
  }

  @Test
  void streamingChatThroughTheOpenAiClient() throws Exception {
    OpenAiStreamingChatModel model =
        OpenAiStreamingChatModel.builder()
            .baseUrl(platform.gatewayUrl() + "/v1")
            .apiKey(platform.alphaKey)
            .modelName(Platform.TINY)
            .temperature(0.0)
            .maxTokens(12)
            .timeout(Duration.ofSeconds(60))
            .build();
    var partial = new StringBuilder();
    var done = new CompletableFuture<ChatResponse>();
    model.chat(
        "Tell me a story.",
        new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(String text) {
            partial.append(text);
          }

          @Override
          public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }
        });
    ChatResponse response = done.get(60, TimeUnit.SECONDS);
    assertThat(partial.toString()).isEqualTo(expected);
    assertThat(response.aiMessage().text()).isEqualTo(expected);
  }
}
