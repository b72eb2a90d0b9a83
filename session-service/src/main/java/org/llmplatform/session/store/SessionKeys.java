package org.llmplatform.session.store;

/**
 * Names of the Redis keys of one deployment (all under one prefix, {@code llm:session:} by
 * default). Every key of an owner carries the owner as its hash tag ({@code {owner}}), so all the
 * keys one script touches (a session's, and its owner's index) are in one Redis Cluster slot:
 *
 * <ul>
 *   <li>{@code <prefix>{<owner>}:s:<id>}: hash of the session's fields
 *   <li>{@code <prefix>{<owner>}:s:<id>:msgs}: list of its messages (JSON), seq = index + 1
 *   <li>{@code <prefix>{<owner>}:s:<id>:idem}: hash of idempotency key → seq the append ended at
 *   <li>{@code <prefix>{<owner>}:s:<id>:costs}: list of the messages' token costs, {@code s} before
 *       a system message's
 *   <li>{@code <prefix>{<owner>}:s:<id>:sys}: list of the seqs of its system messages
 *   <li>{@code <prefix>{<owner>}:sessions}: sorted set of the owner's session ids by last write
 *       (ms)
 * </ul>
 *
 * The {@code :msgs} suffix is repeated in {@code list.lua}.
 */
record SessionKeys(String prefix) {

  String session(String owner, String id) {
    return sessionPrefix(owner) + id;
  }

  /**
   * The keys of a session in the order the scripts take them: hash, msgs, idem, index, costs, sys.
   */
  String[] all(String owner, String id) {
    String session = session(owner, id);
    return new String[] {
      session,
      session + ":msgs",
      session + ":idem",
      ownerIndex(owner),
      session + ":costs",
      session + ":sys"
    };
  }

  String ownerIndex(String owner) {
    return owned(owner) + "sessions";
  }

  /** What {@link #session} puts before an id; scripts rebuild session keys from index entries. */
  String sessionPrefix(String owner) {
    return owned(owner) + "s:";
  }

  private String owned(String owner) {
    return prefix + "{" + owner + "}:";
  }
}
