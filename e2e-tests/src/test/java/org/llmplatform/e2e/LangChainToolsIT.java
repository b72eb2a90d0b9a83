package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecifications;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tool calling with LangChain4j's OpenAI client: a {@code @Tool} method described by LangChain4j,
 * called by the model (stories260K with {@code tool_choice: required}: the grammar makes the call
 * valid), run by the client, and its result answered by the model.
 */
class LangChainToolsIT {

  enum City {
    PARIS,
    OSLO,
    LIMA
  }

  static final class WeatherTools {
    final List<City> asked = new ArrayList<>();

    @Tool("The current weather in a city")
    String weather(@P("the city") City city) {
      asked.add(city);
      return "{\"temperature_c\": 18, \"sky\": \"clear\"}";
    }
  }

  static OpenAiChatModel model;

  @BeforeAll
  static void start() throws Exception {
    Platform platform = Platform.get();
    assumeTrue(platform.hasStories(), "stories260K is not in ../shared/models");
    model =
        OpenAiChatModel.builder()
            .baseUrl(platform.gatewayUrl() + "/v1")
            .apiKey(platform.alphaKey)
            .modelName(Platform.STORIES)
            .maxTokens(120)
            .timeout(Duration.ofSeconds(120))
            .build();
  }

  @Test
  void theModelCallsTheToolTheClientRunsItAndTheModelAnswers() throws Exception {
    var tools = new WeatherTools();
    var ask = UserMessage.from("What is the weather in Paris?");
    ChatResponse first =
        model.chat(
            ChatRequest.builder()
                .messages(ask)
                .toolSpecifications(ToolSpecifications.toolSpecificationsFrom(tools))
                .toolChoice(ToolChoice.REQUIRED)
                .build());
    AiMessage call = first.aiMessage();
    assertThat(call.hasToolExecutionRequests()).as(call + " " + first.finishReason()).isTrue();
    ToolExecutionRequest request = call.toolExecutionRequests().getFirst();
    assertThat(request.name()).isEqualTo("weather");

    // the client runs the tool with the model's arguments
    // the one argument, under the name LangChain4j gave it (the parameter's, or arg0)
    var arguments = Http.JSON.readTree(request.arguments());
    assertThat(arguments.size()).as(request.arguments()).isEqualTo(1);
    String value = arguments.values().iterator().next().asString("");
    assertThat(value).as(request.arguments()).isIn("PARIS", "OSLO", "LIMA");
    City city = City.valueOf(value);
    String result = tools.weather(city);
    assertThat(tools.asked).containsExactly(city);

    ChatResponse answer =
        model.chat(
            ChatRequest.builder()
                .messages(ask, call, ToolExecutionResultMessage.from(request, result))
                .build());
    assertThat(answer.aiMessage().hasToolExecutionRequests()).isFalse();
    assertThat(answer.aiMessage().text()).isNotBlank();
  }
}
