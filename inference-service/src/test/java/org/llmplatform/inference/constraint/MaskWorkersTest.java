package org.llmplatform.inference.constraint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Every task runs, never more than {@code threads} at once, whoever submits them when. */
class MaskWorkersTest {

  @Test
  void everyTaskRunsOnAtMostThreadsDrainers() throws Exception {
    try (var workers = new MaskWorkers(2)) {
      AtomicInteger running = new AtomicInteger();
      AtomicInteger most = new AtomicInteger();
      AtomicInteger done = new AtomicInteger();
      List<CompletableFuture<Void>> submitters = new ArrayList<>();
      for (int s = 0; s < 4; s++) {
        submitters.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < 20_000; i++) {
                    workers.execute(
                        () -> {
                          most.accumulateAndGet(running.incrementAndGet(), Math::max);
                          running.decrementAndGet();
                          done.incrementAndGet();
                        });
                    if (i % 1000 == 0) {
                      Thread.onSpinWait();
                    }
                  }
                }));
      }
      CompletableFuture.allOf(submitters.toArray(CompletableFuture[]::new))
          .get(60, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (done.get() < 80_000 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(done.get()).isEqualTo(80_000);
      assertThat(most.get()).isBetween(1, 2);
    }
  }
}
