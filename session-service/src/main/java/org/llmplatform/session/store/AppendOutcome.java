package org.llmplatform.session.store;

/** What an append did. */
public sealed interface AppendOutcome {

  /**
   * The messages are stored (now, or by an earlier attempt with the same idempotency key).
   *
   * @param seq the seq of the last message the append wrote
   * @param replayed true when an earlier attempt had written them
   */
  record Appended(long seq, boolean replayed) implements AppendOutcome {}

  /**
   * The idempotency key was used before for another request; nothing was written.
   *
   * @param seq the seq the earlier append ended at
   */
  record KeyReused(long seq) implements AppendOutcome {}

  /** No session with this id belongs to this owner. */
  record NotFound() implements AppendOutcome {}

  /**
   * {@code expected_seq} was stale; nothing was written.
   *
   * @param lastSeq the session's last seq
   */
  record SeqConflict(long lastSeq) implements AppendOutcome {}

  /**
   * The session would exceed its message limit; nothing was written.
   *
   * @param lastSeq the session's last seq
   */
  record SessionFull(long lastSeq) implements AppendOutcome {}
}
