package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK against the gateway: the contract as OpenAI's own client sends and
 * reads it — developer messages, n choices, structured outputs, the errors SDK code catches.
 */
class OpenAiSdkIT {

  static Platform platform;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    platform = Platform.get();
    client = platform.openAiClient();
  }

  @AfterAll
  static void close() {
    client.close();
  }

  private static ChatCompletionCreateParams.Builder chat() {
    return ChatCompletionCreateParams.builder()
        .model(Platform.TINY)
        .maxCompletionTokens(10)
        .temperature(0.0);
  }

  @Test
  void aDeveloperMessageAnswersAsASystemMessageDoes() throws Exception {
    ChatCompletion completion =
        client
            .chat()
            .completions()
            .create(chat().addDeveloperMessage("Be brief.").addUserMessage("Hi!").build());
    String viaSystem =
        Http.post(
                platform.gatewayUrl() + "/v1/chat/completions",
                platform.alphaKey,
                "{\"model\":\""
                    + Platform.TINY
                    + "\",\"max_completion_tokens\":10,\"temperature\":0,\"messages\":["
                    + "{\"role\":\"system\",\"content\":\"Be brief.\"},"
                    + "{\"role\":\"user\",\"content\":\"Hi!\"}]}")
            .json()
            .at("/choices/0/message/content")
            .asString();
    assertThat(completion.choices().getFirst().message().content()).contains(viaSystem);
  }

  @Test
  void nChoicesAreIdenticalWhenGreedyAndDistinctWhenSampled() {
    ChatCompletion greedy =
        client.chat().completions().create(chat().addUserMessage("Tell me a story.").n(3).build());
    assertThat(greedy.choices()).hasSize(3);
    assertThat(greedy.choices()).extracting(c -> c.index()).containsExactly(0L, 1L, 2L);
    assertThat(greedy.choices().stream().map(c -> c.message().content().orElseThrow()).distinct())
        .hasSize(1);

    ChatCompletionCreateParams sampled =
        chat().addUserMessage("Tell me a story.").n(3).temperature(1.0).seed(7).build();
    ChatCompletion first = client.chat().completions().create(sampled);
    List<String> texts =
        first.choices().stream().map(c -> c.message().content().orElseThrow()).toList();
    assertThat(texts).hasSize(3).doesNotHaveDuplicates();
    // with a seed each choice is reproducible
    ChatCompletion again = client.chat().completions().create(sampled);
    assertThat(again.choices().stream().map(c -> c.message().content().orElseThrow()).toList())
        .isEqualTo(texts);
    assertThat(first.usage().orElseThrow().completionTokens())
        .isGreaterThan(first.choices().size() - 1);
  }

  @Test
  void streamedChoicesArriveByIndex() {
    Map<Long, StringBuilder> texts = new HashMap<>();
    List<String> finishes = new ArrayList<>();
    try (var stream =
        client
            .chat()
            .completions()
            .createStreaming(chat().addUserMessage("Tell me a story.").n(2).build())) {
      stream.stream()
          .flatMap(chunk -> chunk.choices().stream())
          .forEach(
              choice -> {
                choice
                    .delta()
                    .content()
                    .ifPresent(
                        t ->
                            texts
                                .computeIfAbsent(choice.index(), i -> new StringBuilder())
                                .append(t));
                choice.finishReason().ifPresent(f -> finishes.add(f.asString()));
              });
    }
    assertThat(texts).containsOnlyKeys(0L, 1L);
    assertThat(texts.get(0L).toString()).isEqualTo(texts.get(1L).toString()); // greedy
    assertThat(finishes).hasSize(2);
  }

  enum Mood {
    HAPPY,
    SAD,
    CURIOUS
  }

  /** What the SDK turns into a strict JSON Schema (an enum and a boolean: a bounded answer). */
  record Verdict(Mood mood, boolean likesDogs) {}

  @Test
  void structuredOutputsParseIntoTheSdksClass() {
    // stories260K: a real vocabulary with byte fallback, so every string of the schema is
    // spellable (the random test model's 384 tokens cannot spell "CURIOUS")
    assumeTrue(platform.hasStories(), "stories260K is not in ../shared/models");
    StructuredChatCompletion<Verdict> completion =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model(Platform.STORIES)
                    .maxCompletionTokens(450)
                    .addUserMessage("How does the dog feel?")
                    .responseFormat(Verdict.class)
                    .build());
    var choice = completion.choices().getFirst();
    // a base model that never saw JSON: the grammar alone makes the answer parse, and its white
    // space is bounded (24 bytes a gap), so the answer ends within 450 tokens
    assertThat(choice.finishReason().asString()).isEqualTo("stop");
    Verdict verdict = choice.message().content().orElseThrow();
    assertThat(verdict.mood()).isIn((Object[]) Mood.values());
  }

  @Test
  void aPromptOverTheContextIsABadRequestWithContextLengthExceeded() {
    String longText = "Once upon a time there was a little dog. ".repeat(60);
    BadRequestException e =
        catchThrowableOfType(
            BadRequestException.class,
            () -> client.chat().completions().create(chat().addUserMessage(longText).build()));
    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(e.code()).contains("context_length_exceeded");
    assertThat(e.type()).contains("invalid_request_error");
  }

  @Test
  void anUnknownFieldIsABadRequestNamingIt() {
    BadRequestException e =
        catchThrowableOfType(
            BadRequestException.class,
            () ->
                client
                    .chat()
                    .completions()
                    .create(
                        chat()
                            .addUserMessage("Hi")
                            .putAdditionalBodyProperty("made_up_field", JsonValue.from(1))
                            .build()));
    assertThat(e.code()).contains("unsupported_parameter");
    assertThat(e.param()).contains("made_up_field");
  }

  @Test
  void completionsTakeSeveralPromptsAndEchoThem() {
    Completion completion =
        client
            .completions()
            .create(
                CompletionCreateParams.builder()
                    .model(Platform.TINY)
                    .promptOfArrayOfStrings(List.of("Once upon", "The dog"))
                    .n(2)
                    .maxTokens(6)
                    .temperature(0.0)
                    .echo(true)
                    .build());
    assertThat(completion.choices()).hasSize(4);
    assertThat(completion.choices().get(0).text()).startsWith("Once upon");
    assertThat(completion.choices().get(1).text()).startsWith("Once upon");
    assertThat(completion.choices().get(2).text()).startsWith("The dog");
    assertThat(completion.choices().get(3).index()).isEqualTo(3);
  }
}
