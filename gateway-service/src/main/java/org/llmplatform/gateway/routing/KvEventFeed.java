package org.llmplatform.gateway.routing;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.llmplatform.api.inference.KvBlocks;
import org.llmplatform.api.inference.KvEvent;
import org.llmplatform.api.inference.KvLoad;
import org.llmplatform.api.inference.KvSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Follows one replica's KV-cache event stream into the {@link PrefixIndex}: its snapshot replaces
 * what the index knew of the replica, its deltas add and remove blocks, its load reports count in
 * the replica's load. When the stream ends, fails or goes silent the replica's blocks are forgotten
 * (its guesses stay and count as before the stream) and the feed reconnects, after 0.5 s doubling
 * to 30 s while it keeps failing. A replica answering 404 (an inference-service from before the
 * stream) is asked again every 5 minutes. A snapshot in other blocks than this gateway's is not
 * used.
 */
final class KvEventFeed implements Disposable {

  private static final Logger log = LoggerFactory.getLogger(KvEventFeed.class);
  static final Duration FIRST_RETRY = Duration.ofMillis(500);
  static final Duration MAX_RETRY = Duration.ofSeconds(30);
  static final Duration NOT_PUBLISHED_RETRY = Duration.ofMinutes(5);

  /** Load reports come every second: a stream silent this long is dead (a half-open connection). */
  static final Duration SILENCE = Duration.ofSeconds(10);

  private final Replica replica;
  private final PrefixIndex index;
  private final int blockTokens;
  private final Disposable following;
  private volatile boolean live;
  private volatile Duration retry = FIRST_RETRY;
  private volatile String lastProblem;

  KvEventFeed(Replica replica, PrefixIndex index, int blockTokens) {
    this.replica = replica;
    this.index = index;
    this.blockTokens = blockTokens;
    this.following =
        Mono.defer(this::follow)
            .flatMap(Mono::delay)
            .repeat()
            .subscribe(tick -> {}, e -> log.error("KV events of {} not followed", replica, e));
  }

  /** Whether the replica's blocks come from its events now (else from where requests went). */
  boolean live() {
    return live;
  }

  /** One connection, its events applied until it ends; then how long to wait before the next. */
  private Mono<Duration> follow() {
    Flux<KvEvent> events = replica.client().kvEvents().timeout(SILENCE);
    return events
        .doOnNext(this::apply)
        .then(Mono.fromSupplier(() -> ended("the stream ended", FIRST_RETRY)))
        .onErrorResume(e -> Mono.just(failed(e)))
        .doFinally(signal -> lost());
  }

  void apply(KvEvent event) {
    switch (event) {
      case KvSnapshot s -> {
        if (s.blockTokens() != blockTokens) {
          problem(
              "its blocks are of "
                  + s.blockTokens()
                  + " tokens, this gateway's of "
                  + blockTokens
                  + " (llm.gateway.routing.block-tokens): not used");
          lost();
          return;
        }
        boolean was = live;
        live = true;
        index.replace(replica, s.blocks());
        retry = FIRST_RETRY;
        if (!was) {
          lastProblem = null;
          log.info("replica {}: following its KV-cache events", replica);
        }
      }
      case KvBlocks b -> {
        if (live) {
          index.removed(replica, b.removed());
          index.stored(replica, b.stored());
        }
      }
      case KvLoad l -> replica.reported(l.requests());
    }
  }

  private Duration ended(String why, Duration wait) {
    if (live) {
      log.info("replica {}: KV-cache events stopped ({}); reconnecting", replica, why);
    }
    return wait;
  }

  private Duration failed(Throwable e) {
    if (e instanceof WebClientResponseException.NotFound) {
      problem(
          "it publishes no KV-cache events (an older inference-service); routing by where"
              + " requests went");
      return NOT_PUBLISHED_RETRY;
    }
    Duration wait = retry;
    retry = wait.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait.multipliedBy(2);
    String why = e instanceof TimeoutException ? "silent for " + SILENCE : e.toString();
    ended(why, wait);
    problem("KV-cache events unavailable: " + why);
    return wait;
  }

  /** Logs a problem once, not at every retry. */
  private void problem(String what) {
    if (!what.equals(lastProblem)) {
      lastProblem = what;
      log.warn("replica {}: {}", replica, what);
    }
  }

  /** The replica's blocks and load reports no longer known. */
  private void lost() {
    if (live) { // blocks are held only after a snapshot, which made it live
      live = false;
      index.forgetHeld(replica);
    }
    replica.reported(0);
  }

  @Override
  public void dispose() {
    following.dispose();
    lost();
  }

  @Override
  public boolean isDisposed() {
    return following.isDisposed();
  }
}
