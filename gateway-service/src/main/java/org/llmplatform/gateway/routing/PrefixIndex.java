package org.llmplatform.gateway.routing;

import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prefix block hash → the replicas whose KV-cache events say their prefix cache holds it, and the
 * replica this gateway last sent a prompt containing it to (a guess, until the replica's event
 * confirms or denies it). Bounded to {@code capacity} blocks, the least recently used forgotten.
 * Thread-safe: events arrive on the streams' threads, lookups on the requests'.
 */
final class PrefixIndex {

  /** Whether a guess still counts: its replica and when it was made ({@link System#nanoTime}). */
  interface GuessRule {
    boolean counts(Replica replica, long guessedAt);
  }

  private static final Replica[] NONE = {};

  private static final class Holders {
    Replica[] held = NONE; // few: a block is on one replica, or on each (a shared system prompt)
    Replica guessed;
    long guessedAt;

    boolean holds(Replica r) {
      for (Replica h : held) {
        if (h == r) {
          return true;
        }
      }
      return false;
    }

    void add(Replica r) {
      if (!holds(r)) {
        held = Arrays.copyOf(held, held.length + 1);
        held[held.length - 1] = r;
      }
      if (guessed == r) {
        guessed = null; // confirmed
      }
    }

    void remove(Replica r) {
      for (int i = 0; i < held.length; i++) {
        if (held[i] == r) {
          Replica[] next = Arrays.copyOf(held, held.length - 1);
          System.arraycopy(held, i + 1, next, i, held.length - i - 1);
          held = next;
          break;
        }
      }
    }

    boolean empty() {
      return held.length == 0 && guessed == null;
    }
  }

  private final Map<Long, Holders> blocks;

  PrefixIndex(int capacity) {
    this.blocks =
        new LinkedHashMap<>(1024, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Long, Holders> eldest) {
            return size() > capacity;
          }
        };
  }

  /** {@code replica} holds these blocks now. */
  synchronized void stored(Replica replica, Collection<Long> hashes) {
    for (long hash : hashes) {
      blocks.computeIfAbsent(hash, h -> new Holders()).add(replica);
    }
  }

  /** {@code replica} no longer holds these blocks (nor is it guessed to). */
  synchronized void removed(Replica replica, Collection<Long> hashes) {
    for (long hash : hashes) {
      Holders h = blocks.get(hash);
      if (h != null) {
        h.remove(replica);
        if (h.guessed == replica) {
          h.guessed = null;
        }
        if (h.empty()) {
          blocks.remove(hash);
        }
      }
    }
  }

  /** {@code replica} holds exactly these blocks: what was known of its cache is replaced. */
  synchronized void replace(Replica replica, Collection<Long> hashes) {
    forgetHeld(replica);
    stored(replica, hashes);
  }

  /** This gateway sent a prompt of these blocks to {@code replica} at {@code now} (nanoTime). */
  synchronized void guessed(Replica replica, long[] hashes, long now) {
    for (long hash : hashes) {
      Holders h = blocks.computeIfAbsent(hash, k -> new Holders());
      if (!h.holds(replica)) {
        h.guessed = replica;
        h.guessedAt = now;
      }
    }
  }

  /** Forgets what {@code replica}'s events said it holds (its stream ended); guesses stay. */
  synchronized void forgetHeld(Replica replica) {
    prune(replica, false);
  }

  /** Forgets everything of {@code replica} (it left the set). */
  synchronized void forget(Replica replica) {
    prune(replica, true);
  }

  private void prune(Replica replica, boolean guesses) {
    Iterator<Holders> it = blocks.values().iterator();
    while (it.hasNext()) {
      Holders h = it.next();
      h.remove(replica);
      if (guesses && h.guessed == replica) {
        h.guessed = null;
      }
      if (h.empty()) {
        it.remove();
      }
    }
  }

  /**
   * For each candidate, how many blocks of the prompt it holds from the start: the deepest block it
   * holds or is guessed to (a block's hash chains all before it, so holding block i means holding
   * the prefix up to it).
   *
   * @param prompt the prompt's block hashes, in order
   */
  synchronized int[] cached(long[] prompt, List<Replica> candidates, GuessRule guesses) {
    int[] out = new int[candidates.size()];
    for (int b = 0; b < prompt.length; b++) {
      Holders h = blocks.get(prompt[b]);
      if (h == null) {
        continue; // forgotten by the bound; a later block may still be known
      }
      for (int i = 0; i < out.length; i++) {
        Replica r = candidates.get(i);
        if (h.holds(r) || (h.guessed == r && guesses.counts(r, h.guessedAt))) {
          out[i] = b + 1;
        }
      }
    }
    return out;
  }

  synchronized int size() {
    return blocks.size();
  }

  /** Blocks {@code replica} holds by its events (a test's view). */
  synchronized int held(Replica replica) {
    int n = 0;
    for (Holders h : blocks.values()) {
      n += h.holds(replica) ? 1 : 0;
    }
    return n;
  }
}
