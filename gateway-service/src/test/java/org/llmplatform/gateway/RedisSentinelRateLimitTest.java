package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.llmplatform.gateway.RateLimitCalls.bucket;
import static org.llmplatform.gateway.RateLimitCalls.key;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.llmplatform.session.LocalRedisSentinel;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.netty.DisposableServer;

/**
 * The rate limits on Redis Sentinel (a master, its replica, one sentinel; the data nodes require a
 * password), configured as an operator would: {@code spring.data.redis.sentinel.master}, {@code
 * .sentinel.nodes} and {@code spring.data.redis.password}. A key gets its requests per minute then
 * 429; with the master killed its requests go through (not enforced), and once the sentinel has
 * promoted the replica the key is limited again.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.load-models-at-start-up=false",
      "llm.gateway.resilience.retries=0",
      "spring.data.redis.sentinel.master=" + LocalRedisSentinel.MASTER,
      "spring.data.redis.password=" + RedisSentinelRateLimitTest.PASSWORD,
    })
@AutoConfigureWebTestClient(timeout = "30s")
class RedisSentinelRateLimitTest {

  static final String PASSWORD = "sentinel-secret";
  private static final String KEY = "sk-sentinel";
  private static final int REQUESTS_PER_MINUTE = 3;
  private static final DisposableServer DOWNSTREAM = RateLimitCalls.downstream();

  private static LocalRedisSentinel sentinel;

  @BeforeAll
  static void startSentinel() throws Exception {
    sentinel = LocalRedisSentinel.start(PASSWORD); // skips without redis-server / redis-cli
  }

  @DynamicPropertySource
  static void gateway(DynamicPropertyRegistry registry) {
    registry.add("spring.data.redis.sentinel.nodes", () -> sentinel.sentinels());
    RateLimitCalls.downstream(registry, DOWNSTREAM);
    key(registry, 0, KEY, REQUESTS_PER_MINUTE, 1_000_000);
  }

  @AfterAll
  static void stop() throws Exception {
    DOWNSTREAM.disposeNow();
    if (sentinel != null) {
      sentinel.close();
    }
  }

  @Autowired WebTestClient http;
  @Autowired LettuceConnectionFactory redis;

  @Test
  void limitedOnTheMasterNotEnforcedWhileItIsDeadLimitedAgainOnThePromotedReplica()
      throws Exception {
    var calls = new RateLimitCalls(http);
    assertThat(redis.getSentinelConfiguration()).isNotNull();
    for (int r = 0; r < REQUESTS_PER_MINUTE; r++) {
      calls.complete(KEY).expectStatus().isOk();
    }
    calls.refused(KEY, "requests per minute");
    int master = sentinel.master();
    assertThat(sentinel.cli(master, "exists", bucket(KEY, "requests"))).isEqualTo("1");

    sentinel.killMaster();
    for (int r = 0; r < 2 * REQUESTS_PER_MINUTE; r++) {
      calls.complete(KEY).expectStatus().isOk(); // not enforced: Redis is out of reach
    }

    sentinel.failOver();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (calls.status(KEY) != 429) {
      assertThat(System.nanoTime()).as("limited again after the failover").isLessThan(deadline);
    }
    calls.refused(KEY, "requests per minute");
    assertThat(sentinel.master()).isNotEqualTo(master);
  }
}
