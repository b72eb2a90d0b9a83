package org.llmplatform.gateway.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.GenerationEvent.TokenLogprob;
import reactor.core.publisher.Flux;

class StopStringsTest {

  @Test
  void stopSpanningSeveralDeltasIsFoundAndCutAndCancelsUpstream() {
    var cancelled = new AtomicBoolean();
    var upstream =
        Flux.<GenerationEvent>just(
                delta("Hello wo"), delta("rld"), delta("! END"), delta("ignored"))
            .concatWith(Flux.never())
            .doOnCancel(() -> cancelled.set(true));
    var out = StopStrings.apply(List.of("world!"), 3, upstream).collectList().block();
    assertThat(text(out)).isEqualTo("Hello ");
    assertThat(out.getLast()).isEqualTo(new Finished("stop", 3, 3));
    assertThat(cancelled).isTrue();
  }

  @Test
  void aHeldPrefixThatDoesNotCompleteTheStopIsReleased() {
    var upstream =
        Flux.<GenerationEvent>just(
            delta("ab"), delta("c"), delta("d"), new Finished("length", 1, 3));
    var out = StopStrings.apply(List.of("cx"), 1, upstream).collectList().block();
    assertThat(text(out)).isEqualTo("abcd");
    assertThat(((TextDelta) out.getFirst()).text()).isEqualTo("ab");
    assertThat(out.getLast()).isEqualTo(new Finished("length", 1, 3));
  }

  @Test
  void theEarliestOfSeveralStopsWins() {
    var upstream = Flux.<GenerationEvent>just(delta("one two three"), new Finished("length", 1, 1));
    var out = StopStrings.apply(List.of("three", "two"), 1, upstream).collectList().block();
    assertThat(text(out)).isEqualTo("one ");
    assertThat(((Finished) out.getLast()).finishReason()).isEqualTo("stop");
  }

  @Test
  void aStopAtTheVeryStartGivesNoText() {
    var upstream = Flux.<GenerationEvent>just(delta("\n\nrest"));
    var out = StopStrings.apply(List.of("\n"), 1, upstream).collectList().block();
    assertThat(out).containsExactly(new Finished("stop", 1, 1));
  }

  @Test
  void withoutStopsEventsPassUnchanged() {
    var events = List.<GenerationEvent>of(delta("x"), new Finished("stop", 1, 1));
    assertThat(StopStrings.apply(List.of(), 1, Flux.fromIterable(events)).collectList().block())
        .isEqualTo(events);
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
