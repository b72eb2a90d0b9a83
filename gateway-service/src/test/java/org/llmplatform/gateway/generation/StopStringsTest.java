package org.llmplatform.gateway.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.GenerationEvent.TokenLogprob;

class StopStringsTest {

  @Test
  void stopSpanningSeveralDeltasIsFoundAndCut() {
    var out =
        feed(List.of("world!"), 3, delta("Hello wo"), delta("rld"), delta("! END"), delta("x"));
    assertThat(text(out)).isEqualTo("Hello ");
    assertThat(out.getLast()).isEqualTo(new Finished("stop", 3, 3));
  }

  @Test
  void aHeldPrefixThatDoesNotCompleteTheStopIsReleased() {
    var out =
        feed(List.of("cx"), 1, delta("ab"), delta("c"), delta("d"), new Finished("length", 1, 3));
    assertThat(text(out)).isEqualTo("abcd");
    assertThat(((TextDelta) out.getFirst()).text()).isEqualTo("ab");
    assertThat(out.getLast()).isEqualTo(new Finished("length", 1, 3));
  }

  @Test
  void theEarliestOfSeveralStopsWins() {
    var out =
        feed(List.of("three", "two"), 1, delta("one two three"), new Finished("length", 1, 1));
    assertThat(text(out)).isEqualTo("one ");
    assertThat(((Finished) out.getLast()).finishReason()).isEqualTo("stop");
  }

  @Test
  void aStopAtTheVeryStartGivesNoText() {
    var out = feed(List.of("\n"), 1, delta("\n\nrest"));
    assertThat(out).containsExactly(new Finished("stop", 1, 1));
  }

  @Test
  void withoutStopsEventsPassUnchanged() {
    var events = new GenerationEvent[] {delta("x"), new Finished("stop", 1, 1)};
    assertThat(feed(List.of(), 1, events)).containsExactly(events);
  }

  /** Feeds the events one by one, as a choice's are, until the matcher finishes. */
  private static List<GenerationEvent> feed(
      List<String> stops, int promptTokens, GenerationEvent... events) {
    var matcher = StopStrings.of(stops, promptTokens);
    var out = new ArrayList<GenerationEvent>();
    for (GenerationEvent event : events) {
      out.addAll(matcher.next(event));
      if (!out.isEmpty() && out.getLast() instanceof Finished) {
        break;
      }
    }
    return out;
  }

  private static TextDelta delta(String text) {
    return new TextDelta(text, List.of(new TokenLogprob(1, null, null, null)));
  }

  private static String text(List<GenerationEvent> events) {
    var text = new StringBuilder();
    events.forEach(
        e -> {
          if (e instanceof TextDelta d) {
            text.append(d.text());
          }
        });
    return text.toString();
  }
}
