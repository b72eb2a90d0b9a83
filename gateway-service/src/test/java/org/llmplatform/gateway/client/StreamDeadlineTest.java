package org.llmplatform.gateway.client;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The stream time limits, on real time (the limits read the clock, not a virtual scheduler), with
 * margins of a second so that a loaded machine does not decide them.
 */
class StreamDeadlineTest {

  private static final Duration FIRST = Duration.ofMillis(2000);
  private static final Duration GAP = Duration.ofMillis(1000);

  private static Flux<Integer> every(Duration period, int count) {
    return Flux.interval(period).map(Long::intValue).take(count);
  }

  @Test
  void elementsWithinTheirLimitsPassThrough() {
    StepVerifier.create(StreamDeadline.limit(every(Duration.ofMillis(50), 12), FIRST, GAP))
        .expectNextCount(12)
        .verifyComplete();
  }

  @Test
  void aSlowFirstElementWithinTheFirstLimitPasses() {
    var slowStart = Mono.delay(Duration.ofMillis(1000)).thenMany(every(Duration.ofMillis(30), 3));
    StepVerifier.create(StreamDeadline.limit(slowStart, FIRST, GAP))
        .expectNextCount(3)
        .verifyComplete();
  }

  @Test
  void noFirstElementInTimeFails() {
    StepVerifier.create(StreamDeadline.limit(Flux.never(), FIRST, GAP))
        .expectErrorSatisfies(
            e ->
                org.assertj.core.api.Assertions.assertThat(e)
                    .isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("first"))
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void aGapPastTheLimitFailsAfterTheElementsBeforeIt() {
    var stalls = every(Duration.ofMillis(40), 5).concatWith(Flux.never());
    long start = System.nanoTime();
    StepVerifier.create(StreamDeadline.limit(stalls, FIRST, GAP))
        .expectNext(0, 1, 2, 3, 4)
        .expectError(TimeoutException.class)
        .verify(Duration.ofSeconds(5));
    // the last element came at ~200 ms: the gap limit, not the first one, applied after it
    org.assertj.core.api.Assertions.assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isLessThan(Duration.ofMillis(200).plus(FIRST));
  }

  @Test
  void aGapIsCaughtAfterItsOwnLimitEvenWhenTheFirstLimitIsMuchLonger() {
    Duration longFirst = Duration.ofSeconds(6);
    var stalls = every(Duration.ofMillis(40), 3).concatWith(Flux.never());
    long start = System.nanoTime();
    StepVerifier.create(StreamDeadline.limit(stalls, longFirst, GAP))
        .expectNext(0, 1, 2)
        .expectError(TimeoutException.class)
        .verify(Duration.ofSeconds(10));
    // the stall began at ~120 ms and the gap limit is 1 s: not the 6 s of the first limit
    org.assertj.core.api.Assertions.assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void anErrorOfTheStreamPassesAsItIs() {
    var failing =
        every(Duration.ofMillis(10), 2).concatWith(Flux.error(new IllegalStateException()));
    StepVerifier.create(StreamDeadline.limit(failing, FIRST, GAP))
        .expectNextCount(2)
        .expectError(IllegalStateException.class)
        .verify(Duration.ofSeconds(5));
  }
}
