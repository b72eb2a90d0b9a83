package org.llmplatform.gateway.client;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Time limits on a stream: its first element within {@code first} of the subscription, each next
 * one within {@code gap} of the previous; past either, a {@link TimeoutException}.
 *
 * <p>Reactor's {@code timeout(first, element -> Mono.delay(gap))} arms a timer for every element
 * and cancels it at the next: on a token stream, a timer task scheduled, cancelled and its thread
 * woken per token. Here an element only records its arrival time; one timer per stream wakes when
 * the current limit could have passed and either fails the stream or sleeps again for what is left.
 * It never sleeps longer than {@code gap}: a timer armed for the first limit before the first
 * element would otherwise let a stall right after it run until the first limit (30 s instead of 10
 * s by default).
 */
final class StreamDeadline {

  private StreamDeadline() {}

  static <T> Flux<T> limit(Flux<T> source, Duration first, Duration gap) {
    return Flux.defer(
        () -> {
          var last = new AtomicLong(System.nanoTime());
          var started = new AtomicBoolean();
          var expired = new AtomicBoolean();
          Mono<Boolean> deadline =
              Mono.defer(
                      () -> {
                        long limit = (started.get() ? gap : first).toNanos();
                        long left = limit - (System.nanoTime() - last.get());
                        if (left <= 0) {
                          expired.set(true);
                          return Mono.just(true);
                        }
                        return Mono.delay(Duration.ofNanos(Math.min(left, gap.toNanos())))
                            .then(Mono.<Boolean>empty());
                      })
                  .repeatWhenEmpty(again -> again);
          return source
              .doOnNext(
                  element -> {
                    last.set(System.nanoTime());
                    started.set(true);
                  })
              .takeUntilOther(deadline)
              .concatWith(
                  Mono.defer(
                      () ->
                          expired.get()
                              ? Mono.error(
                                  new TimeoutException(
                                      started.get()
                                          ? "no element within " + gap + " of the previous"
                                          : "no first element within " + first))
                              : Mono.empty()));
        });
  }
}
