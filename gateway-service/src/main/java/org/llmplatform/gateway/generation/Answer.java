package org.llmplatform.gateway.generation;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.GenerationEvent.TokenLogprob;
import org.llmplatform.gateway.generation.GenerationEvent.ToolCalled;
import org.llmplatform.gateway.message.ToolCall;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A whole answer, for the non-streamed responses: each choice's text and how it finished, and the
 * tokens used.
 *
 * @param choices by index
 * @param promptTokens the prompt's tokens (each prompt once, however many choices it had)
 * @param completionTokens the tokens generated, all choices together
 */
public record Answer(List<Choice> choices, int promptTokens, int completionTokens) {

  /**
   * @param tokens the tokens of the text, with log-probabilities when they were asked
   */
  public record Choice(
      int index,
      String text,
      List<TokenLogprob> tokens,
      List<ToolCall> toolCalls,
      String finishReason) {}

  public Answer {
    choices = List.copyOf(choices);
  }

  /** Collects one prompt's choices (see {@link Answers#answer}). */
  public static Mono<Answer> collect(Flux<List<ChoiceEvent>> batches) {
    return Mono.defer(
        () -> {
          var open = new TreeMap<Integer, Open>();
          return batches
              .doOnNext(
                  batch -> {
                    for (ChoiceEvent e : batch) {
                      open.computeIfAbsent(e.index(), i -> new Open()).add(e.event());
                    }
                  })
              .then(Mono.fromSupplier(() -> of(open)));
        });
  }

  /** This answer and {@code other}'s (another prompt of the same request) as one. */
  public Answer plus(Answer other) {
    var all = new ArrayList<>(choices);
    all.addAll(other.choices);
    return new Answer(
        all, promptTokens + other.promptTokens, completionTokens + other.completionTokens);
  }

  private static Answer of(TreeMap<Integer, Open> open) {
    var choices = new ArrayList<Choice>();
    int prompt = 0;
    int completion = 0;
    for (var entry : open.entrySet()) {
      Open o = entry.getValue();
      if (o.finished == null) {
        throw new IllegalStateException("choice " + entry.getKey() + " ended without a finish");
      }
      choices.add(
          new Choice(
              entry.getKey(), o.text.toString(), o.tokens, o.calls, o.finished.finishReason()));
      prompt = o.finished.promptTokens(); // the same prompt for every choice
      completion += o.finished.completionTokens();
    }
    return new Answer(choices, prompt, completion);
  }

  private static final class Open {
    final StringBuilder text = new StringBuilder();
    final List<TokenLogprob> tokens = new ArrayList<>();
    final List<ToolCall> calls = new ArrayList<>();
    Finished finished;

    void add(GenerationEvent event) {
      switch (event) {
        case TextDelta delta -> {
          text.append(delta.text());
          tokens.addAll(delta.tokens());
        }
        case ToolCalled called -> calls.add(called.call());
        case Finished f -> finished = f;
      }
    }
  }
}
