package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Kills the Redis server (SIGKILL) under the running service and starts it again: while it is down
 * every call answers 503 at once, afterwards the service recovers by itself, and no acknowledged
 * append is lost or doubled (the server fsyncs its append-only file on every write).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
@TestPropertySource(properties = "llm.session.max-messages-per-session=1000000")
class RedisRestartTest {

  private static PrivateRedisServer redisServer;

  static {
    BlockingGuard.install();
  }

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) throws Exception {
    redisServer = PrivateRedisServer.start();
    registry.add("spring.data.redis.url", redisServer::url);
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (redisServer != null) {
      redisServer.close();
    }
  }

  @Autowired private WebTestClient http;
  @LocalServerPort private int port;

  @Test
  void survivesARedisCrashWithoutLosingAnAcknowledgedAppend() throws Exception {
    SessionCalls calls = new SessionCalls(http);
    String id = calls.create("alice").id();
    Appenders appenders = new Appenders(() -> "http://127.0.0.1:" + port, id);
    appenders.start(8);
    awaitAcknowledged(appenders, 50);

    redisServer.kill();
    int acknowledgedBeforeCrash = appenders.acknowledged().size();

    long started = System.nanoTime();
    EntityExchangeResult<byte[]> down =
        http.get().uri("/v1/sessions/{id}?owner=alice", id).exchange().expectBody().returnResult();
    Duration answeredIn = Duration.ofNanos(System.nanoTime() - started);
    assertThat(down.getStatus().value()).isEqualTo(503);
    assertThat(new String(down.getResponseBody())).contains("\"code\":\"store_unavailable\"");
    assertThat(answeredIn).as("answered without hanging").isLessThan(Duration.ofSeconds(5));
    http.get().uri("/actuator/health").exchange().expectStatus().isEqualTo(503);

    Thread.sleep(1000); // the clients keep retrying against the 503s
    redisServer.start(Duration.ofSeconds(20));

    awaitStatus(id, 200, Duration.ofSeconds(30));
    awaitAcknowledged(appenders, appenders.acknowledged().size() + 50);
    appenders.stop(Duration.ofSeconds(30));

    assertThat(appenders.acknowledged().size()).isGreaterThan(acknowledgedBeforeCrash);
    assertThat(appenders.failedAttempts()).as("the clients did see the outage").isPositive();
    Appenders.assertStoredExactlyOnce(
        calls.messages("alice", id, null).messages(), appenders.acknowledged());
    http.get().uri("/actuator/health").exchange().expectStatus().isOk();
  }

  private void awaitStatus(String id, int status, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (http.get()
                .uri("/v1/sessions/{id}?owner=alice", id)
                .exchange()
                .returnResult(String.class)
                .getStatus()
                .value()
            != status
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    http.get().uri("/v1/sessions/{id}?owner=alice", id).exchange().expectStatus().isEqualTo(status);
  }

  static void awaitAcknowledged(Appenders appenders, int count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (appenders.acknowledged().size() < count) {
      assertThat(System.nanoTime()).as("acknowledged appends").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
