package org.llmplatform.inference.api;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.llmplatform.api.inference.FinishEvent;
import org.llmplatform.api.inference.StreamEvent;
import org.llmplatform.api.inference.TokenEvent;
import org.llmplatform.api.inference.TopLogprob;
import org.llmplatform.api.inference.Usage;
import org.llmplatform.inference.engine.FinishReason;
import org.llmplatform.inference.engine.GenerationListener;
import org.llmplatform.inference.sampling.TokenChoice;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Bridges the engine thread to a reactive stream of wire events: {@link TokenEvent}s, then one
 * {@link FinishEvent}. With n > 1 choices the events of all choices interleave, each carrying its
 * choice's index, each choice ends with its own finish, and the stream completes after the last.
 */
final class SinkListener implements GenerationListener {

  private final Sinks.Many<StreamEvent> sink = Sinks.many().unicast().onBackpressureBuffer();
  private final boolean logprobs;
  private final int choices;
  private final AtomicInteger running;

  SinkListener(boolean logprobs) {
    this(logprobs, 1);
  }

  SinkListener(boolean logprobs, int choices) {
    this.logprobs = logprobs;
    this.choices = choices;
    this.running = new AtomicInteger(choices);
  }

  Flux<StreamEvent> events() {
    return sink.asFlux();
  }

  @Override
  public void onToken(TokenChoice token) {
    onToken(0, token);
  }

  @Override
  public void onFinish(FinishReason reason, int promptTokens, int completionTokens, String error) {
    onFinish(0, reason, promptTokens, completionTokens, error);
  }

  @Override
  public void onToken(int choice, TokenChoice token) {
    sink.tryEmitNext(toEvent(choice, token));
  }

  @Override
  public void onFinish(
      int choice, FinishReason reason, int promptTokens, int completionTokens, String error) {
    sink.tryEmitNext(
        new FinishEvent(
            reason.wireName(), new Usage(promptTokens, completionTokens), error, index(choice)));
    if (running.decrementAndGet() == 0) {
      sink.tryEmitComplete();
    }
  }

  /** The wire index: none for a request of one choice, whose events stay as they were. */
  private Integer index(int choice) {
    return choices > 1 ? choice : null;
  }

  private TokenEvent toEvent(int choice, TokenChoice t) {
    if (!logprobs || Double.isNaN(t.logprob())) {
      return new TokenEvent(t.tokenId(), null, null, index(choice));
    }
    List<TopLogprob> top =
        t.top().stream().map(a -> new TopLogprob(a.tokenId(), a.logprob())).toList();
    return new TokenEvent(t.tokenId(), t.logprob(), top, index(choice));
  }
}
