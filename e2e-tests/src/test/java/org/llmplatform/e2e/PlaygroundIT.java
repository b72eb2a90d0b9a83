package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The gateway's playground ({@code /}) in a real browser, headless Chromium, against the platform
 * as deployed: the key, a streamed answer and its figures, Stop, and sessions resumed and deleted;
 * on a desktop window and a phone's. Screenshots go to {@code target/playground-screenshots/}.
 * Skipped, with a message, where Chromium or chromedriver is not installed.
 */
class PlaygroundIT {

  private static final Path SCREENSHOTS = Path.of("target", "playground-screenshots");

  static Platform platform;
  static PlaygroundPage page;

  @BeforeAll
  static void start() throws Exception {
    Optional<PlaygroundPage.Browser> browser = PlaygroundPage.Browser.installed();
    assumeTrue(
        browser.isPresent(),
        "PlaygroundIT skipped: no Chromium and chromedriver (apt-get install chromium"
            + " chromium-driver, or -De2e.chromium=… -De2e.chromedriver=…)");
    platform = Platform.get();
    page =
        PlaygroundPage.start(
            browser.get(),
            platform.gatewayUrl(),
            platform.repo.resolve("e2e-tests").resolve(SCREENSHOTS),
            platform.repo.resolve("e2e-tests/target/e2e-logs"));
  }

  @AfterAll
  static void stop() {
    if (page != null) {
      page.close();
    }
  }

  @BeforeEach
  void firstVisit() {
    page.openFresh();
  }

  @AfterEach
  void noScriptErrors() {
    assertThat(page.browserErrors()).as("errors in the browser's console").isEmpty();
  }

  @Test
  void theKeyIsCheckedKeptInTheBrowserAndForgotten() throws Exception {
    assertThat(page.modelPickerEnabled()).isFalse();

    page.enterKey("sk-not-a-key");
    assertThat(page.status()).contains("refused").contains("invalid API key");
    assertThat(page.modelPickerEnabled()).isFalse();

    page.enterKey(platform.playgroundKey);
    assertThat(page.models()).isEqualTo(servedModels());
    assertThat(page.modelPickerEnabled()).isTrue();

    page.reload();
    page.awaitStatus("Key accepted");
    assertThat(page.keyField()).isEqualTo(platform.playgroundKey);

    page.forgetKey();
    page.reload();
    page.awaitStatus("Enter your API key");
    assertThat(page.keyField()).isEmpty();
    assertThat(page.modelPickerEnabled()).isFalse();
  }

  @Test
  void anAnswerStreamsIntoThePageTokenByTokenWithItsFigures() throws Exception {
    String model = platform.hasStories() ? Platform.STORIES : Platform.TINY;
    page.enterKey(platform.playgroundKey);
    page.chooseModel(model);
    page.set("temperature", "0");
    page.set("max-tokens", "96");
    page.set("seed", "7");
    page.countStreamedPieces();

    page.send("Once upon a time");
    assertThat(page.awaitAnswer()).isEqualTo("done");

    JsonNode reference =
        Http.post(
                platform.gatewayUrl() + "/v1/chat/completions",
                platform.playgroundKey,
                "{\"model\":\""
                    + model
                    + "\",\"temperature\":0,\"top_p\":1,\"max_tokens\":96,\"seed\":7,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}")
            .json();
    String text = reference.at("/choices/0/message/content").asString();
    assertThat(page.lastAnswerText()).as("greedy: the API's answer").isEqualTo(text);
    List<String> pieces = page.streamedPieces();
    assertThat(pieces).as("the answer came in pieces").hasSizeGreaterThan(1);
    assertThat(String.join("", pieces)).isEqualTo(text);

    PlaygroundPage.Figures figures = page.lastAnswerFigures();
    assertThat(figures.promptTokens()).isEqualTo(reference.at("/usage/prompt_tokens").asString());
    assertThat(figures.completionTokens())
        .isEqualTo(reference.at("/usage/completion_tokens").asString());
    assertThat(Integer.parseInt(figures.ttftMs())).isNotNegative();
    assertThat(Double.parseDouble(figures.tokensPerSecond())).isPositive();
    assertThat(figures.text())
        .contains("completion tokens", "TTFT", "tokens/s")
        .contains(reference.at("/choices/0/finish_reason").asString());
    assertThat(page.fitsTheWindowWidth()).as("no sideways scrolling").isTrue();
    page.screenshot("answer");
  }

  @Test
  void stopEndsALongAnswerAndTheGatewayCancelsItUpstream() throws Exception {
    ServiceProcess inference = platform.inference.get(Platform.TINY);
    int fullLength =
        Http.post(
                platform.gatewayUrl() + "/v1/chat/completions",
                platform.playgroundKey,
                "{\"model\":\""
                    + Platform.TINY
                    + "\",\"temperature\":0,\"max_tokens\":450,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a long story.\"}]}")
            .json()
            .at("/usage/completion_tokens")
            .asInt();
    assertThat(fullLength).as("the unstopped answer is long").isGreaterThan(100);
    page.enterKey(platform.playgroundKey);
    page.chooseModel(Platform.TINY);
    page.set("temperature", "0");
    page.set("max-tokens", "450");
    double before = settled(inference, "llm_generation_tokens_total");

    // inference-service is frozen and let run in slices of a few milliseconds until the answer
    // shows text, so that Stop lands mid-answer however fast the tiny model is on this machine
    inference.suspend();
    boolean streaming = false;
    try {
      page.send("Tell me a long story.");
      for (int slice = 0; slice < 3000; slice++) {
        inference.resume();
        Thread.sleep(2);
        inference.suspend();
        String state = page.lastAnswerState();
        if ("streaming".equals(state) && !page.lastAnswerText().isEmpty()) {
          streaming = page.canStop();
          break;
        }
        if (state != null && !"streaming".equals(state)) {
          break;
        }
      }
      if (streaming) {
        page.pressStop();
        assertThat(page.awaitAnswer()).isEqualTo("stopped");
      }
    } finally {
      inference.resume();
    }
    // a slice long enough for the whole answer leaves nothing to stop
    org.junit.jupiter.api.Assumptions.assumeTrue(
        streaming, "the answer finished before inference-service was frozen; Stop not exercised");

    String shown = page.lastAnswerText();
    assertThat(shown).isNotEmpty();
    assertThat(page.lastAnswerFigures().text()).contains("stopped", "not stored in the session");
    assertThat(page.canSend()).isTrue();
    assertThat(page.canStop()).isFalse();
    double generated = settled(inference, "llm_generation_tokens_total") - before;
    assertThat(generated).as("tokens generated upstream").isPositive().isLessThan(fullLength);
    assertThat(page.lastAnswerText()).as("nothing more after Stop").isEqualTo(shown);
    JsonNode session = sessionMessages(page.awaitCurrentSession()).json();
    assertThat(session.path("messages")).as("a stopped turn is not stored").isEmpty();
    page.screenshot("stopped");
  }

  @Test
  void aSessionIsResumedWithItsHistoryContinuedAndDeleted() throws Exception {
    page.enterKey(platform.playgroundKey);
    page.chooseModel(Platform.TINY);
    page.set("temperature", "0");
    page.set("max-tokens", "12");
    page.set("system-prompt", "You answer in one line.");
    page.send("First question");
    assertThat(page.awaitAnswer()).isEqualTo("done");
    page.send("Second question");
    assertThat(page.awaitAnswer()).isEqualTo("done");
    String session = page.awaitCurrentSession();
    assertThat(page.sessionTitle(session)).startsWith("First question");

    page.newConversation();
    assertThat(page.messages()).isEmpty();
    assertThat(page.currentSessionId()).isNull();
    page.resume(session);
    assertThat(page.awaitCurrentSession()).isEqualTo(session);

    JsonNode stored = sessionMessages(session).json();
    assertThat(stored.path("system_prompt").asString()).isEqualTo("You answer in one line.");
    assertThat(page.messages()).isEqualTo(shown(stored)).hasSize(4);

    page.send("Third question");
    assertThat(page.awaitAnswer()).isEqualTo("done");
    JsonNode continued = sessionMessages(session).json();
    assertThat(continued.path("messages")).hasSize(6);
    assertThat(page.messages()).isEqualTo(shown(continued));
    page.screenshot("session");

    page.delete(session);
    assertThat(sessionMessages(session).status()).isEqualTo(404);
    assertThat(page.messages()).as("the open session was deleted").isEmpty();
  }

  @Test
  void aJsonSchemaShapesTheAnswerAndToolCallsGetTheirResults() throws Exception {
    assumeTrue(
        platform.hasStories(),
        "stories260K is not in ../shared/models (the suite's model with a tool-call format)");
    page.enterKey(platform.playgroundKey);
    page.chooseModel(Platform.STORIES);
    page.set("temperature", "0");
    page.set(
        "max-tokens", "320"); // the grammar allows up to 24 bytes of white space between tokens
    page.choose("response-format", "json_schema");
    page.set(
        "json-schema",
        "{\"name\":\"pick\",\"schema\":{\"type\":\"object\",\"properties\":"
            + "{\"color\":{\"enum\":[\"red\",\"blue\"]}},\"required\":[\"color\"],"
            + "\"additionalProperties\":false}}");

    page.send("Pick a color");
    assertThat(page.awaitAnswer()).isEqualTo("done");
    assertThat(page.lastAnswerFigures().text()).as(page.lastAnswerText()).endsWith("stop");
    JsonNode picked = Http.json(page.lastAnswerText());
    assertThat(picked.propertyNames()).containsExactly("color");
    assertThat(picked.path("color").asString()).isIn("red", "blue");

    page.newConversation();
    page.choose("response-format", "text");
    page.set(
        "tools",
        "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
            + "{\"type\":\"object\",\"properties\":{\"city\":{\"enum\":[\"Paris\",\"Oslo\"]}},"
            + "\"required\":[\"city\"]}}}]");
    page.choose("tool-choice", "required");
    page.send("What is the weather?");
    assertThat(page.awaitAnswer()).isEqualTo("done");
    List<String> calls = page.lastToolCalls();
    assertThat(calls).isNotEmpty().allMatch(call -> call.startsWith("get_weather({"));
    page.typeToolResults("sunny, 21 C");
    page.send("Thanks");
    assertThat(page.awaitAnswer()).isEqualTo("done");

    JsonNode stored = sessionMessages(page.awaitCurrentSession()).json().path("messages");
    var roles = new ArrayList<String>();
    stored.forEach(m -> roles.add(m.path("role").asString()));
    var expected = new ArrayList<>(List.of("user", "assistant"));
    calls.forEach(call -> expected.add("tool"));
    expected.addAll(List.of("user", "assistant"));
    assertThat(roles).isEqualTo(expected);
    for (int i = 0; i < calls.size(); i++) {
      JsonNode call = stored.get(1).path("tool_calls").get(i);
      JsonNode result = stored.get(2 + i);
      assertThat(call.at("/function/name").asString()).isEqualTo("get_weather");
      assertThat(Http.json(call.at("/function/arguments").asString()).path("city").asString())
          .isIn("Paris", "Oslo");
      assertThat(result.path("tool_call_id").asString()).isEqualTo(call.path("id").asString());
      assertThat(result.path("content").asString()).isEqualTo("sunny, 21 C");
    }
    page.screenshot("tools");
  }

  @Test
  void onAPhoneThePageFitsTheScreen() throws Exception {
    page.resize(PlaygroundPage.PHONE);
    page.reload(); // the page folds its panels away when it starts on a narrow screen
    page.enterKey(platform.playgroundKey);
    page.chooseModel(Platform.TINY);
    page.send("Hello from a phone");
    assertThat(page.awaitAnswer()).isEqualTo("done");

    assertThat(page.fitsTheWindowWidth()).as("no sideways scrolling").isTrue();
    for (String control : List.of("prompt", "send", "stop", "api-key", "model")) {
      assertThat(page.withinWidth(control)).as(control).isTrue();
    }
    page.screenshot("phone");
  }

  private static List<String> servedModels() throws Exception {
    var ids = new ArrayList<String>();
    Http.get(platform.gatewayUrl() + "/v1/models", platform.playgroundKey)
        .json()
        .path("data")
        .forEach(model -> ids.add(model.path("id").asString()));
    return ids;
  }

  private static Http.Answer sessionMessages(String session) throws Exception {
    return Http.get(
        platform.gatewayUrl() + "/v1/sessions/" + session + "/messages", platform.playgroundKey);
  }

  /** A session's messages as the page shows them: role and text. */
  private static List<PlaygroundPage.Shown> shown(JsonNode sessionMessages) {
    var shown = new ArrayList<PlaygroundPage.Shown>();
    sessionMessages
        .path("messages")
        .forEach(
            m ->
                shown.add(
                    new PlaygroundPage.Shown(
                        m.path("role").asString(), m.path("content").asString())));
    return shown;
  }

  /** A counter's value once it stopped moving for a second (at most 15 s). */
  private static double settled(ServiceProcess service, String name) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
    double last = ResilienceIT.metric(service, name);
    while (Instant.now().isBefore(deadline)) {
      Thread.sleep(1000);
      double now = ResilienceIT.metric(service, name);
      if (now == last) {
        return now;
      }
      last = now;
    }
    return last;
  }
}
