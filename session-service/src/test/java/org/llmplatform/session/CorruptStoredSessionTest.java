package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/**
 * A failure inside the service, not the client's nor an outage: the session's message list in Redis
 * holds another type (a key written by something else), so the read script fails with Redis'
 * WRONGTYPE error. The answer is 500 {@code internal_error} with the request id; the store's error
 * stays in the log.
 */
class CorruptStoredSessionTest extends RedisBackedTest {

  @Test
  void aCorruptStoredSessionIs500InternalErrorWithoutTheStoreError() {
    String id = new SessionCalls(http).create("alice").id();
    redis
        .opsForValue()
        .set(properties.keyPrefix() + "{alice}:s:" + id + ":msgs", "not a list")
        .block(Duration.ofSeconds(5));

    http.get()
        .uri("/v1/sessions/{id}?owner=alice", id)
        .header("x-request-id", "req-3")
        .exchange()
        .expectStatus()
        .isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("internal_error")
        .jsonPath("$.error.param")
        .isEmpty()
        .jsonPath("$.error.message")
        .value(
            String.class,
            message ->
                assertThat(message)
                    .contains("req-3")
                    .doesNotContain("WRONGTYPE")
                    .doesNotContainIgnoringCase("redis")
                    .doesNotContain("script")
                    .doesNotContain("Exception"));
  }
}
