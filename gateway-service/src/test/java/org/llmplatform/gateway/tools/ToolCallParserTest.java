package org.llmplatform.gateway.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.generation.GenerationEvent;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.GenerationEvent.ToolCalled;
import org.llmplatform.gateway.message.ToolCall;
import tools.jackson.databind.json.JsonMapper;

/** Tool calls read out of an answer's text, whole and in pieces, per model family. */
class ToolCallParserTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void aHermesCallIsReadWholeOrInPiecesOfAnySize() {
    String answer =
        "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    for (int piece = 1; piece <= answer.length(); piece++) {
      List<GenerationEvent> out = parse(ToolCallFormat.HERMES, split(answer, piece), "stop");
      assertThat(text(out)).as("pieces of " + piece).isEmpty();
      assertThat(calls(out)).hasSize(1);
      ToolCall call = calls(out).getFirst();
      assertThat(call.function().name()).isEqualTo("get_weather");
      assertThat(JSON.readTree(call.function().arguments()))
          .isEqualTo(JSON.readTree("{\"city\":\"Paris\"}"));
      assertThat(call.id()).matches("call_[A-Za-z0-9]{24}");
      assertThat(finish(out)).isEqualTo("tool_calls");
    }
  }

  @Test
  void textBeforeACallIsContentAndSeveralCallsEachGetTheirOwnId() {
    String answer =
        "Let me check.<tool_call>{\"name\":\"a\",\"arguments\":{}}</tool_call>\n"
            + "<tool_call>{\"name\":\"b\",\"arguments\":{\"x\":1}}</tool_call>";
    List<GenerationEvent> out = parse(ToolCallFormat.HERMES, split(answer, 3), "stop");
    assertThat(text(out)).isEqualTo("Let me check.");
    assertThat(calls(out)).extracting(c -> c.function().name()).containsExactly("a", "b");
    assertThat(calls(out).get(0).id()).isNotEqualTo(calls(out).get(1).id());
  }

  @Test
  void textThatOnlyLooksLikeACallStaysText() {
    List<GenerationEvent> out =
        parse(ToolCallFormat.HERMES, List.of("a <tool", "_call> not json </tool_call> b"), "stop");
    assertThat(calls(out)).isEmpty();
    assertThat(text(out)).isEqualTo("a <tool_call> not json </tool_call> b");
    assertThat(finish(out)).isEqualTo("stop");
    // "<tool" held back, then let go when it is not the opener
    assertThat(text(parse(ToolCallFormat.HERMES, List.of("1 <tool", "box"), "length")))
        .isEqualTo("1 <toolbox");
  }

  @Test
  void aCallCutByTheTokenLimitIsText() {
    List<GenerationEvent> out =
        parse(ToolCallFormat.HERMES, List.of("<tool_call>{\"name\":\"a\",\"argu"), "length");
    assertThat(calls(out)).isEmpty();
    assertThat(text(out)).isEqualTo("<tool_call>{\"name\":\"a\",\"argu");
    assertThat(finish(out)).isEqualTo("length");
  }

  @Test
  void aLlama3AnswerThatIsACallIsOneCallAndOtherAnswersAreText() {
    List<GenerationEvent> out =
        parse(
            ToolCallFormat.LLAMA3_JSON,
            List.of(" {\"name\": \"get_weather\", ", "\"parameters\": {\"city\": \"Oslo\"}}"),
            "stop");
    assertThat(calls(out))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.function().name()).isEqualTo("get_weather");
              assertThat(c.function().arguments()).isEqualTo("{\"city\":\"Oslo\"}");
            });
    assertThat(text(parse(ToolCallFormat.LLAMA3_JSON, List.of("It is ", "sunny."), "stop")))
        .isEqualTo("It is sunny.");
  }

  @Test
  void mistralCallsAreOneArray() {
    List<GenerationEvent> out =
        parse(
            ToolCallFormat.MISTRAL,
            List.of(
                "[TOOL_CALLS][{\"name\":\"a\",\"arguments\":{}},",
                "{\"name\":\"b\",\"arguments\":{}}]"),
            "stop");
    assertThat(calls(out)).extracting(c -> c.function().name()).containsExactly("a", "b");
  }

  private static List<GenerationEvent> parse(
      ToolCallFormat format, List<String> pieces, String reason) {
    var parser = new ToolCallParser(format, JSON);
    var out = new ArrayList<GenerationEvent>();
    for (String piece : pieces) {
      out.addAll(parser.next(new TextDelta(piece, List.of())));
    }
    out.addAll(parser.next(new Finished(reason, 3, pieces.size())));
    return out;
  }

  private static List<String> split(String text, int size) {
    var pieces = new ArrayList<String>();
    for (int i = 0; i < text.length(); i += size) {
      pieces.add(text.substring(i, Math.min(text.length(), i + size)));
    }
    return pieces;
  }

  private static String text(List<GenerationEvent> out) {
    var text = new StringBuilder();
    out.stream()
        .filter(TextDelta.class::isInstance)
        .forEach(e -> text.append(((TextDelta) e).text()));
    return text.toString();
  }

  private static List<ToolCall> calls(List<GenerationEvent> out) {
    return out.stream()
        .filter(ToolCalled.class::isInstance)
        .map(e -> ((ToolCalled) e).call())
        .toList();
  }

  private static String finish(List<GenerationEvent> out) {
    return ((Finished) out.getLast()).finishReason();
  }
}
