package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** The sliding TTL, with a TTL short enough to watch it expire. */
@TestPropertySource(properties = "llm.session.ttl=3s")
class SessionTtlTest extends RedisBackedTest {

  @Test
  void anAppendSlidesTheTtlAndAnIdleSessionExpiresEverywhere() throws InterruptedException {
    SessionCalls calls = new SessionCalls(http);
    String id = calls.create("alice").id();
    Thread.sleep(2000);
    calls.append("alice", id, SessionCalls.user("still here"));
    Thread.sleep(2000); // 4 s after creation, 2 s after the append

    assertThat(calls.messages("alice", id, null).messages()).hasSize(1);

    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    int status;
    do {
      Thread.sleep(200);
      status =
          http.get()
              .uri("/v1/sessions/{id}?owner=alice", id)
              .exchange()
              .returnResult(String.class)
              .getStatus()
              .value();
    } while (status == 200 && System.nanoTime() < deadline);

    assertThat(status).isEqualTo(404);
    http.get()
        .uri("/v1/sessions/{id}/messages?owner=alice", id)
        .exchange()
        .expectStatus()
        .isNotFound();
    http.get()
        .uri("/v1/sessions?owner=alice")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.total")
        .isEqualTo(0);
    assertThat(redis.keys(properties.keyPrefix() + "*").collectList().block()).isEmpty();
  }
}
