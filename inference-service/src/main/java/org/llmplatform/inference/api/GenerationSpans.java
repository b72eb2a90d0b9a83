package org.llmplatform.inference.api;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.llmplatform.api.inference.FinishEvent;
import org.llmplatform.api.inference.StreamEvent;
import org.llmplatform.api.inference.TokenEvent;
import org.llmplatform.inference.engine.GenerationRequest;
import reactor.core.publisher.SignalType;

/**
 * One generation's phases as spans under the request's server span: {@value #QUEUE} (made →
 * admitted by the engine), {@value #PREFILL} (admitted → first token) and {@value #DECODE} (first
 * token → end). They are recorded when the request ends, from the engine's timestamps, so the
 * engine thread never touches the tracer; a request that ended waiting has only the first, one that
 * ended in prefill the first two.
 */
final class GenerationSpans {

  static final String QUEUE = "queue wait";
  static final String PREFILL = "prefill";
  static final String DECODE = "decode";

  private final Tracer tracer;
  private final Span parent;
  private final GenerationRequest request;
  private final int promptTokens;
  private final long epochNanosAtSubmit;
  private volatile long firstTokenNanos;
  private volatile int completionTokens;
  private volatile String finishReason;

  GenerationSpans(Tracer tracer, Span parent, GenerationRequest request) {
    this.tracer = tracer;
    this.parent = parent;
    this.request = request;
    this.promptTokens = request.promptIds().length;
    Instant now = Instant.now();
    long sinceSubmit = System.nanoTime() - request.submittedNanos();
    this.epochNanosAtSubmit = ChronoUnit.NANOS.between(Instant.EPOCH, now) - sinceSubmit;
  }

  /** Notes the first token's time and each choice's end (engine thread, as they are emitted). */
  void event(StreamEvent event) {
    switch (event) {
      case TokenEvent ignored -> {
        if (firstTokenNanos == 0) {
          firstTokenNanos = System.nanoTime();
        }
      }
      case FinishEvent finish -> {
        completionTokens += finish.usage().completionTokens();
        finishReason = finish.finishReason();
      }
    }
  }

  /** Records the spans; {@code signal} says how the stream ended (a cancel is a client gone). */
  void end(SignalType signal) {
    long end = System.nanoTime();
    long admitted = request.admittedNanos();
    long first = firstTokenNanos;
    record(QUEUE, request.submittedNanos(), admitted != 0 ? admitted : end, null);
    if (admitted != 0) {
      record(PREFILL, admitted, first != 0 ? first : end, null);
    }
    if (first != 0) {
      String reason = signal == SignalType.CANCEL ? "cancelled" : finishReason;
      record(DECODE, first, end, reason);
    }
  }

  private void record(String name, long fromNanos, long toNanos, String reason) {
    Span span =
        tracer
            .spanBuilder()
            .setParent(parent.context())
            .name(name)
            .tag("llm.prompt_tokens", promptTokens)
            .startTimestamp(epochNanos(fromNanos), TimeUnit.NANOSECONDS)
            .start();
    if (DECODE.equals(name)) {
      span.tag("llm.completion_tokens", completionTokens);
      if (reason != null) {
        span.tag("llm.finish_reason", reason);
      }
    }
    span.end(epochNanos(toNanos), TimeUnit.NANOSECONDS);
  }

  private long epochNanos(long nanoTime) {
    return epochNanosAtSubmit + (nanoTime - request.submittedNanos());
  }
}
