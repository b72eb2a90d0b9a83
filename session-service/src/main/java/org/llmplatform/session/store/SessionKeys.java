package org.llmplatform.session.store;

/**
 * Names of the Redis keys of one deployment (all under one prefix, {@code llm:session:} by
 * default):
 *
 * <ul>
 *   <li>{@code <prefix>s:<id>}: hash of the session's fields
 *   <li>{@code <prefix>s:<id>:msgs}: list of its messages (JSON), seq = index + 1
 *   <li>{@code <prefix>s:<id>:idem}: hash of idempotency key → seq the append ended at
 *   <li>{@code <prefix>owner:<owner>}: sorted set of the owner's session ids by last write (ms)
 * </ul>
 *
 * The {@code :msgs} suffix is repeated in {@code list.lua}.
 */
record SessionKeys(String prefix) {

  String session(String id) {
    return prefix + "s:" + id;
  }

  String messages(String id) {
    return session(id) + ":msgs";
  }

  String idempotency(String id) {
    return session(id) + ":idem";
  }

  String ownerIndex(String owner) {
    return prefix + "owner:" + owner;
  }

  /** What {@link #session} puts before an id; scripts rebuild session keys from index entries. */
  String sessionPrefix() {
    return prefix + "s:";
  }
}
