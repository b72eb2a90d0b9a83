package org.llmplatform.session.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.RecordedAppend;
import org.llmplatform.api.session.Session;
import reactor.core.publisher.Mono;

/**
 * Sessions in this process's memory, for local use only: lost on restart and not shared between
 * replicas. Each step holds the monitor of the owner's index and/or of the session for a few map
 * operations (CPU only, no I/O), always in that order, so it is atomic and safe on an event loop.
 * Expired sessions are dropped when touched and by a sweep every {@code min(ttl, 1 min)}.
 */
final class MemorySessionStorage implements SessionStorage {

  private final ConcurrentHashMap<String, Entry> sessions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<String>> owners = new ConcurrentHashMap<>();
  private final long ttlMillis;
  private final Clock clock;
  private final ScheduledExecutorService sweeper;

  /**
   * @param ttl how long a session lives after its last write
   * @param clock what expiry is measured by
   */
  MemorySessionStorage(Duration ttl, Clock clock) {
    this.ttlMillis = ttl.toMillis();
    this.clock = clock;
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("session-sweeper").factory());
    long period = Math.min(ttlMillis, Duration.ofMinutes(1).toMillis());
    sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
  }

  /** One session; guarded by its own monitor. */
  private static final class Entry {
    final Session created;
    long updatedAt;
    long expiresAt;
    boolean gone;
    final List<Message> messages = new ArrayList<>();
    final Map<String, Recorded> idempotency = new HashMap<>();

    Entry(Session created) {
      this.created = created;
      this.updatedAt = created.updatedAt().toEpochMilli();
      this.expiresAt = created.expiresAt().toEpochMilli();
    }

    Session snapshot() {
      return new Session(
          created.id(),
          created.owner(),
          created.model(),
          created.systemPrompt(),
          created.metadata(),
          created.createdAt(),
          Instant.ofEpochMilli(updatedAt),
          messages.size(),
          Instant.ofEpochMilli(expiresAt));
    }
  }

  @Override
  public Mono<CreateOutcome> create(NewSession created) {
    return Mono.fromSupplier(
        () -> {
          Session session = created.session();
          long now = session.createdAt().toEpochMilli();
          Set<String> index = owners.computeIfAbsent(session.owner(), o -> new HashSet<>());
          synchronized (index) {
            index.removeIf(id -> live(id, now) == null);
            CreateOutcome refused = created.outcomeWithoutWriting(index.size());
            if (refused != null) {
              return refused;
            }
            sessions.put(session.id(), new Entry(session));
            index.add(session.id());
            return new CreateOutcome.Created(session);
          }
        });
  }

  @Override
  public Mono<Session> get(String owner, String id) {
    return read(owner, id, Entry::snapshot);
  }

  @Override
  public Mono<Boolean> delete(String owner, String id) {
    return Mono.fromSupplier(
        () -> {
          Entry entry = owned(owner, id);
          if (entry == null) {
            return false;
          }
          Set<String> index = owners.computeIfAbsent(owner, o -> new HashSet<>());
          synchronized (index) {
            synchronized (entry) {
              if (entry.gone) {
                return false;
              }
              entry.gone = true;
            }
            sessions.remove(id, entry);
            index.remove(id);
          }
          return true;
        });
  }

  @Override
  public Mono<Page> list(String owner, long offset, int limit) {
    return Mono.fromSupplier(
        () -> {
          long now = clock.millis();
          List<Session> live = new ArrayList<>();
          Set<String> index = owners.get(owner);
          if (index != null) {
            synchronized (index) {
              index.removeIf(id -> live(id, now) == null);
              for (String id : index) {
                Entry entry = sessions.get(id);
                if (entry != null) {
                  synchronized (entry) {
                    if (!entry.gone) {
                      live.add(entry.snapshot());
                    }
                  }
                }
              }
            }
          }
          // As Redis orders the index: by last write, ties by id, both descending.
          live.sort(Comparator.comparing(Session::updatedAt).thenComparing(Session::id).reversed());
          int from = (int) Math.min(offset, live.size());
          int to = (int) Math.min(offset + limit, live.size());
          return new Page(live.size(), List.copyOf(live.subList(from, to)));
        });
  }

  @Override
  public Mono<AppendOutcome> append(Append append) {
    return Mono.fromSupplier(
        () -> {
          Entry entry = owned(append.owner(), append.id());
          if (entry == null) {
            return new AppendOutcome.NotFound();
          }
          long now = append.now();
          synchronized (entry) {
            if (entry.gone || entry.expiresAt <= now) {
              return new AppendOutcome.NotFound();
            }
            String key = append.idempotencyKey();
            AppendOutcome unwritten =
                append.outcomeWithoutWriting(
                    key == null ? null : entry.idempotency.get(key), entry.messages.size());
            if (unwritten != null) {
              return unwritten;
            }
            Instant timestamp = Instant.ofEpochMilli(now);
            for (NewMessage message : append.messages()) {
              entry.messages.add(Message.of(entry.messages.size() + 1, message, timestamp));
            }
            long seq = entry.messages.size();
            if (key != null) {
              entry.idempotency.put(
                  key, new Recorded(seq, append.messages().size(), append.requestHash()));
            }
            entry.updatedAt = now;
            entry.expiresAt = now + ttlMillis;
            return new AppendOutcome.Appended(seq, false);
          }
        });
  }

  @Override
  public Mono<Optional<RecordedAppend>> recordedAppend(String owner, String id, String key) {
    return read(
        owner,
        id,
        entry -> {
          Recorded done = entry.idempotency.get(key);
          if (done == null) {
            return Optional.empty();
          }
          int last = (int) done.lastSeq();
          List<Message> written = entry.messages.subList(last - done.count(), last);
          return Optional.of(new RecordedAppend(id, key, done.requestHash(), written));
        });
  }

  @Override
  public Mono<Conversation> conversation(String owner, String id, Integer maxTokens) {
    return read(
        owner,
        id,
        entry -> Conversation.fit(entry.created.systemPrompt(), entry.messages, maxTokens));
  }

  /** What {@code read} finds in the session, when it is live and this owner's. */
  private <T> Mono<T> read(String owner, String id, Function<Entry, T> read) {
    return Mono.fromSupplier(
        () -> {
          Entry entry = owned(owner, id);
          if (entry == null) {
            return null;
          }
          synchronized (entry) {
            return entry.gone ? null : read.apply(entry);
          }
        });
  }

  /** Drops every expired session (also run periodically). */
  void sweep() {
    long now = clock.millis();
    // An owner's (empty) index stays: removing it could race with a create that holds it.
    for (Set<String> index : owners.values()) {
      synchronized (index) {
        index.removeIf(id -> live(id, now) == null);
      }
    }
  }

  /** Sessions held, expired ones not yet dropped included. */
  int size() {
    return sessions.size();
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
  }

  /** The session when it is live and this owner's, else null. */
  private Entry owned(String owner, String id) {
    Entry entry = live(id, clock.millis());
    return entry != null && entry.created.owner().equals(owner) ? entry : null;
  }

  /** The session when it is live; an expired one is dropped (its index entry stays, for now). */
  private Entry live(String id, long now) {
    Entry entry = sessions.get(id);
    if (entry == null) {
      return null;
    }
    synchronized (entry) {
      if (entry.gone) {
        return null;
      }
      if (entry.expiresAt <= now) {
        entry.gone = true;
        sessions.remove(id, entry);
        return null;
      }
    }
    return entry;
  }
}
