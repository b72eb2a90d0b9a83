package org.llmplatform.structured.grammar;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * Per vocabulary, the token sets of lexical automaton states (inside a string, a number, white
 * space...): which tokens stay inside the lexeme from that state, and the trie nodes where the
 * lexeme may end mid-token. They do not depend on the parser stack, so they are computed once per
 * (automaton, state) and shared by every matcher and grammar using the same automaton.
 */
final class LexicalMasks {
  /** At most this many state masks are kept per vocabulary (each is vocabulary size / 8 bytes). */
  static final int MAX_ENTRIES = 4096;

  private static final Map<Vocabulary, LexicalMasks> BY_VOCABULARY = new WeakHashMap<>();

  private final Map<Dfa, StateMask[]> masks = new WeakHashMap<>();
  private final Map<Dfa, StateSignature[]> signatures = new WeakHashMap<>();
  private final Map<StateSignature, StateMask> bySignature = new java.util.HashMap<>();
  private final Map<Dfa, CountedScan.Mask[]> counted = new WeakHashMap<>();
  private final AtomicInteger entries = new AtomicInteger();

  /**
   * A state's tokens: those consumed wholly inside the lexeme, and the trie nodes where it ends.
   */
  record StateMask(long[] inside, int[] exits) {}

  static synchronized LexicalMasks of(Vocabulary vocabulary) {
    return BY_VOCABULARY.computeIfAbsent(vocabulary, v -> new LexicalMasks());
  }

  StateMask get(Dfa dfa, int state) {
    synchronized (masks) {
      StateMask[] arr = masks.get(dfa);
      StateMask m = arr == null ? null : arr[state];
      if (m != null) {
        return m;
      }
      StateSignature sig = signature(dfa, state);
      m = sig == null ? null : bySignature.get(sig);
      if (m != null) {
        masks.computeIfAbsent(dfa, d -> new StateMask[d.stateCount()])[state] = m;
      }
      return m;
    }
  }

  private StateSignature signature(Dfa dfa, int state) {
    StateSignature[] arr = signatures.computeIfAbsent(dfa, d -> new StateSignature[d.stateCount()]);
    if (arr[state] == null) {
      StateSignature sig = StateSignature.of(dfa, state);
      arr[state] = sig == null ? NONE : sig;
    }
    return arr[state] == NONE ? null : arr[state];
  }

  private static final StateSignature NONE = new StateSignature(new int[0]);

  CountedScan.Mask getCounted(Dfa dfa, int state) {
    synchronized (counted) {
      CountedScan.Mask[] arr = counted.get(dfa);
      return arr == null ? null : arr[state];
    }
  }

  void putCounted(Dfa dfa, int state, CountedScan.Mask mask) {
    synchronized (counted) {
      counted.computeIfAbsent(dfa, d -> new CountedScan.Mask[d.stateCount()])[state] = mask;
    }
  }

  void put(Dfa dfa, int state, StateMask mask) {
    if (entries.get() >= MAX_ENTRIES) {
      return;
    }
    synchronized (masks) {
      StateMask[] arr = masks.computeIfAbsent(dfa, d -> new StateMask[d.stateCount()]);
      if (arr[state] == null) {
        arr[state] = mask;
        entries.incrementAndGet();
        StateSignature sig = signature(dfa, state);
        if (sig != null) {
          bySignature.putIfAbsent(sig, mask);
        }
      }
    }
  }
}
