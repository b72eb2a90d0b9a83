package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Exact greedy output through the whole stack (gateway → tokenizer → inference → detokenize): every
 * reference prompt of the test model, and of stories260K when ../shared has it.
 */
class CompletionsIT {

  static Platform platform;

  @BeforeAll
  static void start() throws Exception {
    platform = Platform.get();
  }

  @Test
  void greedyCompletionsEqualTheReferenceForEveryModel() throws Exception {
    for (String model : platform.modelDirs.keySet()) {
      Reference reference = Reference.of(platform.modelDirs.get(model));
      for (Reference.Case c : reference.cases()) {
        Expected.Greedy expected = Expected.greedy(platform, model, c);
        String body = request(model, c, false);
        Http.Answer answer =
            Http.post(platform.gatewayUrl() + "/v1/completions", platform.alphaKey, body);
        assertThat(answer.status()).as(answer.raw().body()).isEqualTo(200);
        JsonNode json = answer.json();
        assertThat(json.path("object").asString()).isEqualTo("text_completion");
        assertThat(json.path("model").asString()).isEqualTo(model);
        assertThat(json.path("choices").get(0).path("text").asString())
            .as("%s: %s", model, c.prompt())
            .isEqualTo(expected.text());
        assertThat(json.path("choices").get(0).path("finish_reason").asString())
            .isEqualTo(expected.finishReason());
        assertThat(json.path("usage").path("prompt_tokens").asInt())
            .isEqualTo(c.promptIds().size());
        assertThat(answer.header("x-request-id")).isNotBlank();
      }
    }
  }

  @Test
  void streamedCompletionConcatenatesToTheSameText() throws Exception {
    Reference.Case c = Reference.of(platform.modelDirs.get(Platform.TINY)).cases().getFirst();
    Expected.Greedy expected = Expected.greedy(platform, Platform.TINY, c);
    List<String> events =
        Http.stream(
            platform.gatewayUrl() + "/v1/completions",
            platform.alphaKey,
            request(Platform.TINY, c, true));
    assertThat(events.getLast()).isEqualTo("[DONE]");
    var text = new StringBuilder();
    String finish = null;
    JsonNode usage = null;
    for (String event : events.subList(0, events.size() - 1)) {
      JsonNode chunk = Http.json(event);
      if (chunk.path("choices").isEmpty()) {
        usage = chunk.path("usage");
        continue;
      }
      text.append(chunk.path("choices").get(0).path("text").asString());
      if (!chunk.path("choices").get(0).path("finish_reason").isNull()) {
        finish = chunk.path("choices").get(0).path("finish_reason").asString();
      }
    }
    assertThat(text.toString()).isEqualTo(expected.text());
    assertThat(finish).isEqualTo(expected.finishReason());
    assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(c.promptIds().size());
  }

  @Test
  void stopStringSpanningTokensEndsTheTextBeforeItAndCancelsGeneration() throws Exception {
    Reference.Case c = Reference.of(platform.modelDirs.get(Platform.TINY)).cases().getFirst();
    String full = Expected.greedy(platform, Platform.TINY, c).text();
    String stop = full.substring(full.length() / 3, full.length() / 3 + 3);
    String body =
        "{\"model\":\"%s\",\"prompt\":%s,\"max_tokens\":%d,\"temperature\":0,\"stop\":[%s]}"
            .formatted(
                Platform.TINY,
                Http.JSON.writeValueAsString(c.prompt()),
                LONG_RUN,
                Http.JSON.writeValueAsString(stop));
    Http.Answer answer =
        Http.post(platform.gatewayUrl() + "/v1/completions", platform.alphaKey, body);
    assertThat(answer.status()).as(answer.raw().body()).isEqualTo(200);
    JsonNode choice = answer.json().path("choices").get(0);
    assertThat(choice.path("text").asString()).isEqualTo(full.substring(0, full.indexOf(stop)));
    assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
    // The stop string lies within the reference's first tokens; a generation that went on to
    // max_tokens would mean the upstream was never cancelled. (The reference's own length is too
    // short a margin: a tiny model can finish it before the cancellation arrives.)
    assertThat(answer.json().path("usage").path("completion_tokens").asInt()).isLessThan(LONG_RUN);
  }

  /** max_tokens far beyond the stop string, within the test models' 512-token context. */
  private static final int LONG_RUN = 400;

  private static String request(String model, Reference.Case c, boolean stream) {
    return "{\"model\":\"%s\",\"prompt\":%s,\"max_tokens\":%d,\"temperature\":0,\"stream\":%s%s}"
        .formatted(
            model,
            Http.JSON.writeValueAsString(c.prompt()),
            c.greedyIds().size(),
            stream,
            stream ? ",\"stream_options\":{\"include_usage\":true}" : "");
  }
}
