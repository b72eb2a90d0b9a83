package org.llmplatform.inference.constraint;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where masks are computed: at most {@code threads} drainers take the queued mask tasks one after
 * another. A decode step hands over one task per constrained sequence; a task per thread wake-up
 * cost more than the grammar work itself on a small vocabulary (a few µs), so a task only wakes a
 * thread when fewer than {@code threads} drainers are running, and the rest wait in the queue for a
 * running drainer. Unbounded only in name: at most one task per running constrained sequence.
 */
final class MaskWorkers implements Executor, AutoCloseable {

  private final int threads;
  private final ExecutorService pool;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger drainers = new AtomicInteger();

  MaskWorkers(int threads) {
    this.threads = threads;
    this.pool =
        Executors.newFixedThreadPool(
            threads, Thread.ofPlatform().name("llm-mask-", 0).daemon().factory());
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    startDrainerIfIdle();
  }

  private void startDrainerIfIdle() {
    if (becomeDrainer()) {
      pool.execute(this::drain);
    }
  }

  /** Counts one more drainer when fewer than {@code threads} run. */
  private boolean becomeDrainer() {
    for (int n = drainers.get(); n < threads; n = drainers.get()) {
      if (drainers.compareAndSet(n, n + 1)) {
        return true;
      }
    }
    return false;
  }

  private void drain() {
    do {
      for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
        try {
          task.run();
        } catch (RuntimeException e) {
          // a task completes its own future; nothing of it belongs to the drainer
        }
      }
      drainers.decrementAndGet();
      // a task queued after the last poll, while every drainer still counted, is taken here
    } while (!tasks.isEmpty() && becomeDrainer());
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
