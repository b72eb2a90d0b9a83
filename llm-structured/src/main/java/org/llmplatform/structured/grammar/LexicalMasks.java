package org.llmplatform.structured.grammar;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;
import org.llmplatform.structured.automaton.Dfa;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * Per vocabulary, the token sets of lexical automaton states (inside a string, a number, white
 * space...): which tokens stay inside the lexeme from that state, and the trie nodes where the
 * lexeme may end mid-token. They do not depend on the parser stack, so they are computed once and
 * shared by every matcher and grammar: keyed by the state's {@link StateSignature} (equal tails of
 * different automata share one entry), else by (automaton, state). Least recently used entries are
 * dropped past {@link #CAPACITY}.
 */
final class LexicalMasks {
  /** Entries kept per vocabulary (each about vocabulary size / 8 bytes: 16 KB for Llama 3). */
  static final int CAPACITY = 8192;

  private static final Map<Vocabulary, LexicalMasks> BY_VOCABULARY = new WeakHashMap<>();
  private static final Object NO_SIGNATURE = new Object();

  private final Map<Object, StateMask> masks =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, StateMask> eldest) {
          return size() > CAPACITY;
        }
      };
  private final Map<Dfa, Object[]> keys = new WeakHashMap<>();
  private final Map<Dfa, CountedScan.Mask[]> counted = new WeakHashMap<>();

  /**
   * A state's tokens: those consumed wholly inside the lexeme, and the trie nodes where it ends.
   */
  record StateMask(long[] inside, int[] exits) {}

  /** The key of a state without a signature: the automaton by identity. */
  private record StateOf(Dfa dfa, int state) {}

  static synchronized LexicalMasks of(Vocabulary vocabulary) {
    return BY_VOCABULARY.computeIfAbsent(vocabulary, v -> new LexicalMasks());
  }

  synchronized StateMask get(Dfa dfa, int state) {
    return masks.get(key(dfa, state));
  }

  synchronized void put(Dfa dfa, int state, StateMask mask) {
    masks.put(key(dfa, state), mask);
  }

  private Object key(Dfa dfa, int state) {
    Object[] arr = keys.computeIfAbsent(dfa, d -> new Object[d.stateCount()]);
    if (arr[state] == null) {
      StateSignature sig = StateSignature.of(dfa, state);
      arr[state] = sig == null ? NO_SIGNATURE : sig;
    }
    return arr[state] == NO_SIGNATURE ? new StateOf(dfa, state) : arr[state];
  }

  synchronized CountedScan.Mask getCounted(Dfa dfa, int state) {
    CountedScan.Mask[] arr = counted.get(dfa);
    return arr == null ? null : arr[state];
  }

  synchronized void putCounted(Dfa dfa, int state, CountedScan.Mask mask) {
    counted.computeIfAbsent(dfa, d -> new CountedScan.Mask[d.stateCount()])[state] = mask;
  }
}
