package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tool calling with the official OpenAI Java SDK: the SDK describes the tool from a Java class, the
 * model calls it, the client runs it, sends the result and the model answers. The model is
 * stories260K, which never saw a tool: with {@code tool_choice: required} the grammar alone makes
 * every call valid (its name one of the tools, its arguments matching the class's schema).
 */
class OpenAiToolsIT {

  enum City {
    PARIS,
    OSLO,
    LIMA
  }

  /** The SDK turns this into the function {@code GetWeather} and its parameters' schema. */
  record GetWeather(City city) {}

  static Platform platform;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    platform = Platform.get();
    assumeTrue(platform.hasStories(), "stories260K is not in ../shared/models");
    client = platform.openAiClient();
  }

  @AfterAll
  static void close() {
    if (client != null) {
      client.close();
    }
  }

  private static ChatCompletionCreateParams.Builder ask() {
    return ChatCompletionCreateParams.builder()
        .model(Platform.STORIES)
        .maxCompletionTokens(120)
        .addUserMessage("What is the weather in Paris?")
        .addTool(GetWeather.class);
  }

  @Test
  void aRequiredCallIsValidEveryTimeAndTheModelAnswersFromTheResult() {
    for (int seed = 0; seed < 20; seed++) {
      ChatCompletion completion =
          client
              .chat()
              .completions()
              .create(
                  ask()
                      .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED)
                      .temperature(1.0)
                      .seed(seed)
                      .parallelToolCalls(false)
                      .build());
      var choice = completion.choices().getFirst();
      assertThat(choice.finishReason().asString()).as("seed " + seed).isEqualTo("tool_calls");
      ChatCompletionMessageFunctionToolCall call =
          choice.message().toolCalls().orElseThrow().getFirst().asFunction();
      assertThat(call.function().name()).isEqualTo("GetWeather");
      GetWeather arguments = call.function().arguments(GetWeather.class); // parses and validates
      assertThat(arguments.city()).isNotNull();
      assertThat(call.id()).startsWith("call_");
    }

    ChatCompletion called =
        client
            .chat()
            .completions()
            .create(ask().toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
    var message = called.choices().getFirst().message();
    String id = message.toolCalls().orElseThrow().getFirst().asFunction().id();
    ChatCompletion answered =
        client
            .chat()
            .completions()
            .create(
                ask()
                    .addMessage(message)
                    .addMessage(
                        ChatCompletionToolMessageParam.builder()
                            .toolCallId(id)
                            .content("{\"temperature_c\": 18, \"sky\": \"clear\"}")
                            .build())
                    .toolChoice(ChatCompletionToolChoiceOption.Auto.NONE)
                    .build());
    var last = answered.choices().getFirst();
    assertThat(last.message().toolCalls().orElse(List.of())).isEmpty();
    assertThat(last.message().content().orElse("")).isNotBlank();
  }

  @Test
  void aStreamedCallArrivesInTheSdksToolCallDeltas() {
    Map<Long, StringBuilder> arguments = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    try (var stream =
        client
            .chat()
            .completions()
            .createStreaming(
                ask().toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build())) {
      stream.stream()
          .flatMap(chunk -> chunk.choices().stream())
          .flatMap(choice -> choice.delta().toolCalls().orElse(List.of()).stream())
          .forEach(
              delta -> {
                delta.function().flatMap(f -> f.name()).ifPresent(n -> names.put(delta.index(), n));
                delta
                    .function()
                    .flatMap(f -> f.arguments())
                    .ifPresent(
                        a ->
                            arguments
                                .computeIfAbsent(delta.index(), i -> new StringBuilder())
                                .append(a));
              });
    }
    assertThat(names).containsEntry(0L, "GetWeather");
    assertThat(Http.JSON.readTree(arguments.get(0L).toString()).path("city").asString())
        .isIn("PARIS", "OSLO", "LIMA");
  }

  @Test
  void inASessionTheNextTurnSendsOnlyTheToolsResult() throws Exception {
    Http.Answer created =
        Http.post(
            platform.gatewayUrl() + "/v1/sessions",
            platform.alphaKey,
            "{\"model\":\"" + Platform.STORIES + "\"}");
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    String session = created.json().path("id").asString();
    ChatCompletion called =
        client
            .chat()
            .completions()
            .create(
                ask()
                    .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED)
                    .putAdditionalBodyProperty("session_id", JsonValue.from(session))
                    .build());
    String id =
        called
            .choices()
            .getFirst()
            .message()
            .toolCalls()
            .orElseThrow()
            .getFirst()
            .asFunction()
            .id();
    ChatCompletion answered =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model(Platform.STORIES)
                    .maxCompletionTokens(40)
                    .addTool(GetWeather.class)
                    .addMessage(
                        ChatCompletionToolMessageParam.builder()
                            .toolCallId(id)
                            .content("{\"temperature_c\": 18}")
                            .build())
                    .putAdditionalBodyProperty("session_id", JsonValue.from(session))
                    .build());
    assertThat(answered.choices()).hasSize(1);
    // the session holds the question, the call and its result, then the answer
    Http.Answer history =
        Http.get(
            platform.gatewayUrl() + "/v1/sessions/" + session + "/messages", platform.alphaKey);
    var messages = history.json().path("messages");
    assertThat(messages.get(1).path("tool_calls").get(0).path("id").asString()).isEqualTo(id);
    assertThat(messages.get(2).path("role").asString()).isEqualTo("tool");
    assertThat(messages.get(2).path("tool_call_id").asString()).isEqualTo(id);
    assertThat(messages.get(3).path("role").asString()).isEqualTo("assistant");
  }
}
