package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.llmplatform.gateway.RateLimitCalls.bucket;
import static org.llmplatform.gateway.RateLimitCalls.key;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.llmplatform.session.LocalRedisCluster;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.netty.DisposableServer;

/**
 * The rate limits on a real six-node Redis Cluster that requires a password, configured as an
 * operator would: {@code spring.data.redis.cluster.nodes} and {@code spring.data.redis.password},
 * nothing else. Keys of several tenants, whose buckets land on different masters, get their
 * requests per minute then 429 with Retry-After; generated tokens are charged and refuse the next
 * request. A killed master lets its keys' requests through (limits not enforced while Redis fails)
 * while the other masters' keys stay limited, and enforcement resumes once its replica took over.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.load-models-at-start-up=false",
      "llm.gateway.resilience.retries=0",
      "spring.data.redis.password=" + RedisClusterRateLimitTest.PASSWORD,
    })
@AutoConfigureWebTestClient(timeout = "30s")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterRateLimitTest {

  static final String PASSWORD = "cluster-secret";
  private static final int TENANTS = 6;
  private static final int REQUESTS_PER_MINUTE = 3;
  private static final String TOKEN_LIMITED = "sk-cluster-tokens";
  private static final String FAILOVER = "sk-cluster-failover";
  private static final DisposableServer DOWNSTREAM = RateLimitCalls.downstream();

  private static LocalRedisCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = LocalRedisCluster.start(); // skips without redis-server / redis-cli
    cluster.requirePassword(PASSWORD);
  }

  @DynamicPropertySource
  static void gateway(DynamicPropertyRegistry registry) {
    registry.add("spring.data.redis.cluster.nodes", () -> cluster.nodes());
    RateLimitCalls.downstream(registry, DOWNSTREAM);
    int i = 0;
    for (int t = 0; t < TENANTS; t++) {
      key(registry, i++, tenantKey(t), REQUESTS_PER_MINUTE, 1_000_000);
    }
    key(registry, i++, TOKEN_LIMITED, 600, 10);
    key(registry, i, FAILOVER, REQUESTS_PER_MINUTE, 1_000_000);
  }

  @AfterAll
  static void stop() throws Exception {
    DOWNSTREAM.disposeNow();
    if (cluster != null) {
      cluster.close();
    }
  }

  @Autowired WebTestClient http;
  @Autowired LettuceConnectionFactory redis;
  private RateLimitCalls calls;

  @BeforeEach
  void calls() {
    calls = new RateLimitCalls(http);
  }

  @Test
  @Order(1)
  void eachTenantGetsItsRequestsPerMinuteThen429OnWhicheverMasterItsBucketIs() throws Exception {
    assertThat(redis.isClusterAware()).isTrue();
    Set<String> slots = new HashSet<>();
    Set<Integer> masters = new HashSet<>();
    for (int t = 0; t < TENANTS; t++) {
      String key = tenantKey(t);
      for (int r = 0; r < REQUESTS_PER_MINUTE; r++) {
        calls.complete(key).expectStatus().isOk();
      }
      calls.refused(key, "requests per minute");
      String bucket = bucket(key, "requests");
      slots.add(cluster.cli(cluster.holder(bucket), "cluster", "keyslot", bucket));
      masters.add(cluster.holder(bucket));
    }
    assertThat(slots).hasSize(TENANTS);
    assertThat(masters).hasSizeGreaterThan(1);
  }

  @Test
  @Order(2)
  void generatedTokensAreChargedAndRefuseTheNextRequest() throws Exception {
    calls.complete(TOKEN_LIMITED).expectStatus().isOk(); // 10 tokens left: admitted, 12 generated
    calls.refused(TOKEN_LIMITED, "generated tokens per minute");
    String bucket = bucket(TOKEN_LIMITED, "tokens");
    double level = Double.parseDouble(cluster.cli(cluster.holder(bucket), "hget", bucket, "level"));
    assertThat(level).isBetween(-2.0, -1.0); // 10 - 12, plus what refilled since (1 every 6 s)
  }

  @Test
  @Order(3)
  void aKilledMasterLetsItsKeysThroughAndTheyAreLimitedAgainOnceItsReplicaTookOver()
      throws Exception {
    calls.complete(FAILOVER).expectStatus().isOk();
    int master = cluster.holder(bucket(FAILOVER, "requests"));
    String elsewhere = null; // a tenant whose bucket another master holds
    for (int t = 0; t < TENANTS && elsewhere == null; t++) {
      if (cluster.holder(bucket(tenantKey(t), "requests")) != master) {
        elsewhere = tenantKey(t);
      }
    }
    for (int r = 0; r <= REQUESTS_PER_MINUTE; r++) { // past its limit again (1 refills in 20 s)
      calls.status(elsewhere);
    }

    cluster.kill(master);
    for (int r = 0; r < 2 * REQUESTS_PER_MINUTE; r++) {
      calls.complete(FAILOVER).expectStatus().isOk(); // not enforced: its bucket is out of reach
    }
    calls.refused(elsewhere, "requests per minute"); // the other masters' keys still are

    int replica = cluster.failOver(master);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (calls.status(FAILOVER) != 429) {
      assertThat(System.nanoTime()).as("limited again after the failover").isLessThan(deadline);
    }
    calls.refused(FAILOVER, "requests per minute");
    assertThat(cluster.holder(bucket(FAILOVER, "requests"))).isEqualTo(replica);
  }

  private static String tenantKey(int t) {
    return "sk-cluster-" + t;
  }
}
