package org.llmplatform.session;

import org.junit.jupiter.api.AfterEach;
import org.springframework.test.context.TestPropertySource;

/**
 * Every test of {@link IdempotencyTest} again with {@code llm.session.store=memory}: replay, key
 * reuse and the read-back of a recorded append through the HTTP API, whatever the storage.
 */
@TestPropertySource(properties = "llm.session.store=memory")
class InMemoryIdempotencyTest extends IdempotencyTest {

  @AfterEach
  void deleteSessions() {
    new SessionCalls(http).deleteAll("alice", "mallory");
  }
}
