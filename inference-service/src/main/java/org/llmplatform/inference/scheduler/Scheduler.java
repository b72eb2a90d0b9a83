package org.llmplatform.inference.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.llmplatform.inference.kvcache.KvBudget;

/**
 * First-come first-served admission from a bounded waiting queue. Requests are admitted in order
 * while the KV budget and the batch have room; the head waits (and so do those behind it)
 * otherwise.
 */
public final class Scheduler<R extends Schedulable> {

  private final ArrayBlockingQueue<R> waiting;
  private final int maxQueue;
  private final Object signal = new Object();

  /**
   * @param maxQueue requests that may wait; one more is refused with {@link OverloadedException}
   */
  public Scheduler(int maxQueue) {
    if (maxQueue < 1) {
      throw new IllegalArgumentException("maxQueue must be >= 1");
    }
    this.maxQueue = maxQueue;
    this.waiting = new ArrayBlockingQueue<>(maxQueue);
  }

  /** Queues a request, or refuses it at once when the queue is full. Any thread. */
  public void submit(R request) {
    if (!waiting.offer(request)) {
      throw new OverloadedException(maxQueue);
    }
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  /**
   * Takes a waiting request out of the queue (cancellation); false when the engine already took it.
   * Any thread.
   */
  public boolean remove(R request) {
    return waiting.remove(request);
  }

  /** Blocks until a request waits or the timeout passes. */
  public void awaitWork(long timeout, TimeUnit unit) throws InterruptedException {
    synchronized (signal) {
      if (waiting.isEmpty()) {
        signal.wait(Math.max(1, unit.toMillis(timeout)));
      }
    }
  }

  /**
   * Admits waiting requests in arrival order while {@code budget} has slots and the batch has
   * {@code freeRows}. Cancelled ones are dropped and handed to {@code onCancelled}. Engine thread.
   */
  public List<R> admit(KvBudget budget, int freeRows, Consumer<R> onCancelled) {
    List<R> admitted = new ArrayList<>();
    while (true) {
      R head = waiting.peek();
      if (head == null) {
        return admitted;
      }
      if (head.cancelRequested()) {
        if (waiting.remove(head)) {
          onCancelled.accept(head);
        }
        continue;
      }
      if (head.rows() > freeRows || !budget.tryAcquire(head.rows())) {
        return admitted;
      }
      if (!waiting.remove(head)) {
        budget.release(head.rows()); // cancelled and removed meanwhile
        continue;
      }
      freeRows -= head.rows();
      admitted.add(head);
    }
  }

  public int waiting() {
    return waiting.size();
  }
}
