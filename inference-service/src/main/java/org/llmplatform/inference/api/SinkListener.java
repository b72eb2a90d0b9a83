package org.llmplatform.inference.api;

import java.util.List;
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
 * {@link FinishEvent}.
 */
final class SinkListener implements GenerationListener {

  private final Sinks.Many<StreamEvent> sink = Sinks.many().unicast().onBackpressureBuffer();
  private final boolean logprobs;

  SinkListener(boolean logprobs) {
    this.logprobs = logprobs;
  }

  Flux<StreamEvent> events() {
    return sink.asFlux();
  }

  @Override
  public void onToken(TokenChoice token) {
    sink.tryEmitNext(toEvent(token));
  }

  @Override
  public void onFinish(FinishReason reason, int promptTokens, int completionTokens, String error) {
    sink.tryEmitNext(
        new FinishEvent(reason.wireName(), new Usage(promptTokens, completionTokens), error));
    sink.tryEmitComplete();
  }

  private TokenEvent toEvent(TokenChoice t) {
    if (!logprobs || Double.isNaN(t.logprob())) {
      return new TokenEvent(t.tokenId(), null, null);
    }
    List<TopLogprob> top =
        t.top().stream().map(a -> new TopLogprob(a.tokenId(), a.logprob())).toList();
    return new TokenEvent(t.tokenId(), t.logprob(), top);
  }
}
