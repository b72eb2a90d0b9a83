package org.llmplatform.session;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Base of the tests that run the whole service on a random port against real Redis ({@link
 * TestRedis}). Each Spring context writes under its own random key prefix, and every key under it
 * is deleted after each test. BlockHound fails any blocking call on a non-blocking thread.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
abstract class RedisBackedTest {

  static {
    BlockingGuard.install();
  }

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    registry.add("spring.data.redis.url", TestRedis::url);
    registry.add("llm.session.key-prefix", () -> "test:" + UUID.randomUUID() + ":");
  }

  @Autowired protected WebTestClient http;
  @Autowired protected ReactiveStringRedisTemplate redis;
  @Autowired protected SessionProperties properties;

  @AfterEach
  void deleteKeys() {
    redis
        .scan(ScanOptions.scanOptions().match(properties.keyPrefix() + "*").count(1000).build())
        .buffer(500)
        .flatMap(keys -> redis.delete(keys.toArray(String[]::new)))
        .blockLast(Duration.ofSeconds(30));
  }
}
