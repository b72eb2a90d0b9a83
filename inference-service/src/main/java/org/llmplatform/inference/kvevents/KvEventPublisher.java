package org.llmplatform.inference.kvevents;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.llmplatform.api.inference.KvBlocks;
import org.llmplatform.api.inference.KvEvent;
import org.llmplatform.api.inference.KvSnapshot;
import org.llmplatform.api.inference.PrefixBlocks;
import org.llmplatform.inference.kvcache.PrefixBlockListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * Hands the prefix cache's block changes from the engine thread to the readers of the KV-cache
 * event stream. The engine thread only appends to a lock-free queue; every {@code flushEvery} a
 * thread of its own drains it, nets the changes out (a block stored and removed again within one
 * flush is not sent), keeps the set of blocks held, and sends one {@link KvBlocks} to each reader.
 * A reader starts with a {@link KvSnapshot} of that set, taken under the same lock as the flushes,
 * so it misses no change and sees none twice. A reader that falls {@value #READER_QUEUE} events
 * behind is ended (it reconnects and starts from a fresh snapshot). Stopping (before the web
 * server's graceful shutdown) ends every stream, so that none holds the shutdown up.
 */
public final class KvEventPublisher implements PrefixBlockListener, SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(KvEventPublisher.class);
  static final int READER_QUEUE = 256;

  private record Change(long block, boolean stored) {}

  private final Duration flushEvery;
  private final ConcurrentLinkedQueue<Change> changes = new ConcurrentLinkedQueue<>();
  private final Object lock = new Object();
  private final Set<Long> held = new HashSet<>(); // guarded by lock
  private final List<Sinks.Many<KvEvent>> readers = new ArrayList<>(); // guarded by lock
  private ScheduledExecutorService flusher; // guarded by lock
  private boolean stopped; // guarded by lock

  /**
   * @param flushEvery how often the engine's changes go out, as one event per reader
   */
  public KvEventPublisher(Duration flushEvery) {
    this.flushEvery = flushEvery;
  }

  @Override
  public void stored(long block) {
    changes.offer(new Change(block, true));
  }

  @Override
  public void removed(long block) {
    changes.offer(new Change(block, false));
  }

  /**
   * One reader's events: the snapshot, then the deltas, until it cancels or the publisher stops.
   */
  public Flux<KvEvent> events() {
    return Flux.defer(
        () -> {
          Sinks.Many<KvEvent> reader;
          synchronized (lock) {
            if (stopped) {
              return Flux.empty();
            }
            List<KvEvent> snapshot = snapshot();
            reader =
                Sinks.many()
                    .unicast()
                    .onBackpressureBuffer(
                        Queues.<KvEvent>get(snapshot.size() + READER_QUEUE).get());
            snapshot.forEach(reader::tryEmitNext);
            readers.add(reader);
          }
          return reader.asFlux().doFinally(signal -> leave(reader));
        });
  }

  /** The blocks held now: a snapshot event, and blocks events for what does not fit in one. */
  private List<KvEvent> snapshot() {
    List<Long> all = List.copyOf(held);
    var out = new ArrayList<KvEvent>();
    int first = Math.min(all.size(), KvEvent.MAX_BLOCKS);
    out.add(new KvSnapshot(PrefixBlocks.TOKENS, all.subList(0, first)));
    for (int from = first; from < all.size(); from += KvEvent.MAX_BLOCKS) {
      out.add(
          new KvBlocks(all.subList(from, Math.min(all.size(), from + KvEvent.MAX_BLOCKS)), null));
    }
    return out;
  }

  private void leave(Sinks.Many<KvEvent> reader) {
    synchronized (lock) {
      readers.remove(reader);
    }
  }

  /** Sends the changes queued since the last flush, netted out, to every reader. */
  void flush() {
    var last = new LinkedHashMap<Long, Boolean>();
    for (Change c; (c = changes.poll()) != null; ) {
      last.put(c.block(), c.stored());
    }
    if (last.isEmpty()) {
      return;
    }
    synchronized (lock) {
      var stored = new ArrayList<Long>();
      var removed = new ArrayList<Long>();
      for (Map.Entry<Long, Boolean> e : last.entrySet()) {
        if (e.getValue() ? held.add(e.getKey()) : held.remove(e.getKey())) {
          (e.getValue() ? stored : removed).add(e.getKey());
        }
      }
      var events = new ArrayList<KvEvent>();
      for (int s = 0, r = 0; s < stored.size() || r < removed.size(); ) {
        int ns = Math.min(stored.size() - s, KvEvent.MAX_BLOCKS);
        int nr = Math.min(removed.size() - r, KvEvent.MAX_BLOCKS - ns);
        events.add(new KvBlocks(stored.subList(s, s + ns), removed.subList(r, r + nr)));
        s += ns;
        r += nr;
      }
      for (Sinks.Many<KvEvent> reader : List.copyOf(readers)) {
        if (!send(reader, events)) {
          readers.remove(reader);
          reader.tryEmitComplete();
        }
      }
    }
  }

  /** Whether the reader took them all. */
  private static boolean send(Sinks.Many<KvEvent> reader, List<KvEvent> events) {
    for (KvEvent event : events) {
      Sinks.EmitResult result = reader.tryEmitNext(event);
      if (result.isFailure()) {
        if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
          log.info("a KV-event reader fell {} events behind: its stream ends", READER_QUEUE);
        }
        return false;
      }
    }
    return true;
  }

  /** Blocks held as of the last flush. */
  public int held() {
    synchronized (lock) {
      return held.size();
    }
  }

  /** Readers fed now. */
  int readers() {
    synchronized (lock) {
      return readers.size();
    }
  }

  @Override
  public void start() {
    synchronized (lock) {
      if (flusher != null || stopped) {
        return;
      }
      flusher =
          Executors.newSingleThreadScheduledExecutor(
              Thread.ofPlatform().name("llm-kv-events").daemon().factory());
      long period = flushEvery.toMillis();
      flusher.scheduleWithFixedDelay(this::flushQuietly, period, period, TimeUnit.MILLISECONDS);
    }
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      log.error("KV events not sent", e); // the next flush goes on
    }
  }

  /** Ends every reader's stream; later readers get an empty one. */
  @Override
  public void stop() {
    synchronized (lock) {
      stopped = true;
      List<Sinks.Many<KvEvent>> ending = List.copyOf(readers);
      readers.clear();
      ending.forEach(Sinks.Many::tryEmitComplete);
      if (flusher != null) {
        flusher.shutdownNow();
      }
    }
  }

  @Override
  public boolean isRunning() {
    synchronized (lock) {
      return flusher != null && !stopped;
    }
  }
}
