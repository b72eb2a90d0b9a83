package org.llmplatform.inference.kvevents;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.inference.KvBlocks;
import org.llmplatform.api.inference.KvEvent;
import org.llmplatform.api.inference.KvSnapshot;
import org.llmplatform.api.inference.PrefixBlocks;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;

/**
 * The hand-over from the engine thread to the event stream's readers: a reader starts from a
 * snapshot and then sees every change once, batched per flush and netted out; many blocks go in
 * bounded events; a reader that does not read is ended, not buffered for without end; stopping ends
 * every stream. Flushes are called by hand here (the service's thread calls them every 100 ms).
 */
class KvEventPublisherTest {

  /** A reader: the events it received, and whether its stream ended. */
  static final class Reader {
    final List<KvEvent> events = new CopyOnWriteArrayList<>();
    final AtomicBoolean ended = new AtomicBoolean();
    final Disposable subscription;

    Reader(KvEventPublisher publisher) {
      subscription =
          publisher.events().subscribe(events::add, e -> ended.set(true), () -> ended.set(true));
    }

    /** The blocks it believes held: its snapshot, then each delta applied. */
    Set<Long> held() {
      var held = new HashSet<Long>();
      for (KvEvent e : events) {
        switch (e) {
          case KvSnapshot s -> {
            held.clear();
            held.addAll(s.blocks());
          }
          case KvBlocks b -> {
            held.addAll(b.stored());
            b.removed().forEach(held::remove);
          }
          default -> {}
        }
      }
      return held;
    }
  }

  @Test
  void aReaderStartsFromTheSnapshotAndThenSeesEachChangeOnce() {
    var publisher = new KvEventPublisher(Duration.ofMillis(100));
    publisher.stored(1);
    publisher.stored(2);
    publisher.flush();
    var reader = new Reader(publisher);
    assertThat(reader.events).hasSize(1);
    assertThat(reader.events.getFirst())
        .isInstanceOfSatisfying(
            KvSnapshot.class, s -> assertThat(s.blockTokens()).isEqualTo(PrefixBlocks.TOKENS));
    assertThat(reader.held()).containsExactlyInAnyOrder(1L, 2L);

    publisher.stored(3);
    publisher.removed(1);
    publisher.stored(4);
    publisher.removed(4); // stored and removed within one flush: not sent
    publisher.flush();
    assertThat(reader.events).hasSize(2);
    assertThat(reader.events.get(1)).isEqualTo(new KvBlocks(List.of(3L), List.of(1L)));
    publisher.flush(); // nothing new: no event
    assertThat(reader.events).hasSize(2);

    var late = new Reader(publisher);
    assertThat(late.held()).isEqualTo(reader.held()).containsExactlyInAnyOrder(2L, 3L);
    assertThat(publisher.held()).isEqualTo(2);
  }

  @Test
  void changesQueuedBeforeAReaderArrivesAreInItsSnapshotOrItsFirstDeltaNeverBoth() {
    var publisher = new KvEventPublisher(Duration.ofMillis(100));
    publisher.stored(1);
    var reader = new Reader(publisher); // 1 not flushed yet: not in the snapshot
    assertThat(reader.held()).isEmpty();
    publisher.flush();
    assertThat(reader.events).hasSize(2);
    assertThat(reader.held()).containsExactly(1L);
  }

  @Test
  void manyBlocksGoInEventsOfAtMostMaxBlocks() {
    var publisher = new KvEventPublisher(Duration.ofMillis(100));
    int n = 2 * KvEvent.MAX_BLOCKS + 5;
    for (long b = 0; b < n; b++) {
      publisher.stored(b);
    }
    var reader = new Reader(publisher);
    publisher.flush();
    for (long b = 0; b < n; b++) {
      publisher.removed(b);
    }
    publisher.flush();
    var late = new Reader(publisher);
    assertThat(reader.events).hasSize(1 + 3 + 3);
    assertThat(reader.events)
        .allSatisfy(e -> assertThat(size(e)).isLessThanOrEqualTo(KvEvent.MAX_BLOCKS));
    assertThat(reader.held()).isEmpty();

    for (long b = 0; b < n; b++) {
      publisher.stored(b);
    }
    publisher.flush();
    var third = new Reader(publisher); // a snapshot of n blocks: one snapshot and two deltas
    assertThat(third.events).hasSize(3);
    assertThat(third.events.getFirst()).isInstanceOf(KvSnapshot.class);
    assertThat(third.held()).hasSize(n);
    assertThat(late.held()).hasSize(n);
  }

  @Test
  void aReaderThatDoesNotReadIsDroppedAndTheOthersGoOn() {
    var publisher = new KvEventPublisher(Duration.ofMillis(100));
    var stalled = new ArrayList<KvEvent>();
    var stalledEnded = new AtomicBoolean();
    var stalledReader =
        new BaseSubscriber<KvEvent>() {
          @Override
          protected void hookOnSubscribe(Subscription s) {
            s.request(1); // the snapshot, then nothing for a while
          }

          @Override
          protected void hookOnNext(KvEvent e) {
            stalled.add(e);
          }

          @Override
          protected void hookOnComplete() {
            stalledEnded.set(true);
          }
        };
    publisher.events().subscribe(stalledReader);
    var reader = new Reader(publisher);
    int flushes = 4 * KvEventPublisher.READER_QUEUE;
    for (int i = 0; i < flushes; i++) {
      publisher.stored(i);
      publisher.flush();
    }
    assertThat(stalled).hasSize(1);
    assertThat(publisher.readers()).as("the stalled reader is no longer fed").isEqualTo(1);
    assertThat(reader.ended).isFalse();
    assertThat(reader.held()).hasSize(flushes);
    // when it reads again it gets what was queued for it, then the end (it reconnects from a
    // fresh snapshot)
    stalledReader.request(Long.MAX_VALUE);
    assertThat(stalledEnded).isTrue();
    assertThat(stalled.size()).isBetween(KvEventPublisher.READER_QUEUE, flushes);
  }

  @Test
  void stoppingEndsEveryStream() {
    var publisher = new KvEventPublisher(Duration.ofMillis(100));
    publisher.start();
    var reader = new Reader(publisher);
    assertThat(publisher.isRunning()).isTrue();
    publisher.stop();
    assertThat(reader.ended).isTrue();
    assertThat(publisher.isRunning()).isFalse();
    var late = new Reader(publisher);
    assertThat(late.events).isEmpty();
    assertThat(late.ended).isTrue();
  }

  @Test
  void theFlushingThreadSendsWhatTheEngineHandsOver() throws InterruptedException {
    var publisher = new KvEventPublisher(Duration.ofMillis(20));
    publisher.start();
    try {
      var reader = new Reader(publisher);
      publisher.stored(42);
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (!reader.held().contains(42L) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(reader.held()).containsExactly(42L);
    } finally {
      publisher.stop();
    }
  }

  private static int size(KvEvent e) {
    return switch (e) {
      case KvSnapshot s -> s.blocks().size();
      case KvBlocks b -> b.stored().size() + b.removed().size();
      default -> 0;
    };
  }
}
