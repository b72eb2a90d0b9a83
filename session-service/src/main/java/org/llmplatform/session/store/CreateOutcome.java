package org.llmplatform.session.store;

import org.llmplatform.api.session.Session;

/** What a create did. */
public sealed interface CreateOutcome {

  /**
   * @param session the new session
   */
  record Created(Session session) implements CreateOutcome {}

  /**
   * @param liveSessions the owner's live sessions, already at the limit
   */
  record QuotaReached(long liveSessions) implements CreateOutcome {}
}
