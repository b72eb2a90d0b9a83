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
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.RecordedAppend;
import org.llmplatform.api.session.Session;
import org.llmplatform.api.session.SessionPage;
import org.llmplatform.session.SessionProperties;
import reactor.core.publisher.Mono;

/**
 * Sessions in this process's memory, for local use only: lost on restart and not shared between
 * replicas. Same rules as {@link RedisSessionStore}. Each change holds the monitor of the owner's
 * index and/or of the session for a few map operations (CPU only, no I/O), always in that order, so
 * it is atomic and safe on an event loop. Expired sessions are dropped when touched and by a sweep
 * every {@code min(ttl, 1 min)}.
 */
public final class InMemorySessionStore implements SessionStore, AutoCloseable {

  private final ConcurrentHashMap<String, Entry> sessions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<String>> owners = new ConcurrentHashMap<>();
  private final SessionProperties properties;
  private final Clock clock;
  private final SessionIds ids = new SessionIds();
  private final ScheduledExecutorService sweeper;

  public InMemorySessionStore(SessionProperties properties, Clock clock) {
    this.properties = properties;
    this.clock = clock;
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("session-sweeper").factory());
    long period = Math.min(properties.ttl().toMillis(), Duration.ofMinutes(1).toMillis());
    sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
  }

  /** One session; guarded by its own monitor. */
  private static final class Entry {
    final String id;
    final String owner;
    final String model;
    final String systemPrompt;
    final Map<String, String> metadata;
    final long createdAt;
    long updatedAt;
    long expiresAt;
    boolean gone;
    final List<Message> messages = new ArrayList<>();
    final Map<String, Recorded> idempotency = new HashMap<>();

    Entry(String id, CreateSessionRequest request, long now, long expiresAt) {
      this.id = id;
      this.owner = request.owner();
      this.model = request.model();
      this.systemPrompt =
          request.systemPrompt() == null || request.systemPrompt().isEmpty()
              ? null
              : request.systemPrompt();
      this.metadata = request.metadata();
      this.createdAt = now;
      this.updatedAt = now;
      this.expiresAt = expiresAt;
    }

    Session snapshot() {
      return new Session(
          id,
          owner,
          model,
          systemPrompt,
          metadata,
          Instant.ofEpochMilli(createdAt),
          Instant.ofEpochMilli(updatedAt),
          messages.size(),
          Instant.ofEpochMilli(expiresAt));
    }
  }

  @Override
  public Mono<CreateOutcome> create(CreateSessionRequest request) {
    return Mono.fromSupplier(
        () -> {
          long now = clock.millis();
          Set<String> index = owners.computeIfAbsent(request.owner(), o -> new HashSet<>());
          synchronized (index) {
            index.removeIf(id -> live(id, now) == null);
            if (index.size() >= properties.maxSessionsPerOwner()) {
              return new CreateOutcome.QuotaReached(index.size());
            }
            String id = ids.next();
            Entry entry = new Entry(id, request, now, now + ttlMillis());
            sessions.put(id, entry);
            index.add(id);
            synchronized (entry) {
              return new CreateOutcome.Created(entry.snapshot());
            }
          }
        });
  }

  @Override
  public Mono<Session> get(String owner, String id) {
    return Mono.fromSupplier(
        () -> {
          Entry entry = owned(owner, id);
          if (entry == null) {
            return null;
          }
          synchronized (entry) {
            return entry.gone ? null : entry.snapshot();
          }
        });
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
  public Mono<SessionPage> list(String owner, long offset, int limit) {
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
          // Redis orders the index by last write, ties by id, both descending.
          live.sort(Comparator.comparing(Session::updatedAt).thenComparing(Session::id).reversed());
          int from = (int) Math.min(offset, live.size());
          int to = (int) Math.min(offset + limit, live.size());
          return new SessionPage(
              live.subList(from, to), live.size(), offset, limit, offset + limit < live.size());
        });
  }

  @Override
  public Mono<AppendOutcome> append(String owner, String id, AppendMessagesRequest request) {
    return Mono.fromSupplier(
        () -> {
          Entry entry = owned(owner, id);
          if (entry == null) {
            return new AppendOutcome.NotFound();
          }
          long now = clock.millis();
          synchronized (entry) {
            if (entry.gone || entry.expiresAt <= now) {
              return new AppendOutcome.NotFound();
            }
            String key = request.idempotencyKey();
            String hash = AppendIdentity.requestHash(request);
            Recorded done = key == null ? null : entry.idempotency.get(key);
            if (done != null) {
              return done.requestHash().equals(hash)
                  ? new AppendOutcome.Appended(done.lastSeq(), true)
                  : new AppendOutcome.KeyReused(done.lastSeq());
            }
            long last = entry.messages.size();
            if (request.expectedSeq() != null && request.expectedSeq() != last) {
              return new AppendOutcome.SeqConflict(last);
            }
            if (last + request.messages().size() > properties.maxMessagesPerSession()) {
              return new AppendOutcome.SessionFull(last);
            }
            Instant timestamp = Instant.ofEpochMilli(now);
            for (NewMessage message : request.messages()) {
              entry.messages.add(Message.of(entry.messages.size() + 1, message, timestamp));
            }
            long seq = entry.messages.size();
            if (key != null) {
              entry.idempotency.put(key, new Recorded(seq, request.messages().size(), hash));
            }
            entry.updatedAt = now;
            entry.expiresAt = now + ttlMillis();
            return new AppendOutcome.Appended(seq, false);
          }
        });
  }

  @Override
  public Mono<Optional<RecordedAppend>> recordedAppend(String owner, String id, String key) {
    return Mono.fromSupplier(
        () -> {
          Entry entry = owned(owner, id);
          if (entry == null) {
            return null;
          }
          synchronized (entry) {
            if (entry.gone) {
              return null;
            }
            Recorded done = entry.idempotency.get(key);
            if (done == null) {
              return Optional.<RecordedAppend>empty();
            }
            int last = (int) done.lastSeq();
            return Optional.of(
                new RecordedAppend(
                    id,
                    key,
                    done.requestHash(),
                    entry.messages.subList(last - done.count(), last)));
          }
        });
  }

  @Override
  public Mono<Conversation> conversation(String owner, String id, Integer maxTokens) {
    return Mono.fromSupplier(
        () -> {
          Entry entry = owned(owner, id);
          if (entry == null) {
            return null;
          }
          synchronized (entry) {
            return entry.gone
                ? null
                : Conversation.fit(entry.systemPrompt, entry.messages, maxTokens);
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
    if (!SessionIds.isWellFormed(id)) {
      return null;
    }
    Entry entry = live(id, clock.millis());
    return entry != null && entry.owner.equals(owner) ? entry : null;
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

  private long ttlMillis() {
    return properties.ttl().toMillis();
  }

  /** An append done with an idempotency key: where it ended, how many messages, for what. */
  private record Recorded(long lastSeq, int count, String requestHash) {}
}
