package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.Session;
import org.springframework.test.context.TestPropertySource;

/**
 * Every test of {@link SessionApiTest} again with {@code llm.session.store=memory}; the two that
 * look into Redis are replaced by their in-memory equivalents. (The service still sees a Redis
 * here; {@link InMemoryStoreWithoutRedisTest} starts it without one.)
 */
@TestPropertySource(properties = "llm.session.store=memory")
class InMemorySessionApiTest extends SessionApiTest {

  /** The store lives as long as the Spring context: delete every session the tests made. */
  @AfterEach
  void deleteSessions() {
    new SessionCalls(http).deleteAll("alice", "bob", "mallory", "a");
  }

  @Override
  @Test
  void eachAppendSlidesTheTtlOfEveryKeyOfTheSession() {
    SessionCalls calls = new SessionCalls(http);
    Session created = calls.create("alice");
    calls.append("alice", created.id(), SessionCalls.user("hi"));
    Session read = get(created.id());

    // The sliding itself is checked with a controlled clock in MemorySessionStorageTest.
    assertThat(read.lastSeq()).isEqualTo(1);
    assertThat(read.expiresAt()).isAfterOrEqualTo(created.expiresAt());
    assertThat(Duration.between(read.updatedAt(), read.expiresAt()))
        .isEqualTo(Duration.ofHours(24));
    assertThat(redis.keys(properties.keyPrefix() + "*").collectList().block())
        .as("nothing written to Redis")
        .isEmpty();
  }

  @Override
  @Test
  void healthIncludesRedis() {
    http.get()
        .uri("/actuator/health")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.status")
        .isEqualTo("UP")
        .jsonPath("$.components.redis")
        .doesNotExist();
  }

  private Session get(String id) {
    Session session =
        http.get()
            .uri("/v1/sessions/{id}?owner=alice", id)
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(Session.class)
            .returnResult()
            .getResponseBody();
    assertThat(session.expiresAt()).isAfter(Instant.now());
    return session;
  }
}
