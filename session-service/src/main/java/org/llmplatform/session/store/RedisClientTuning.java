package org.llmplatform.session.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Makes Lettuce fail fast while Redis is away and come back quickly: commands issued while
 * disconnected are rejected at once (the API answers 503) instead of queueing until the command
 * timeout, every command is bounded by {@code spring.data.redis.timeout}, and reconnect attempts
 * back off to at most one a second (Lettuce's default grows to 30 s).
 */
@Configuration(proxyBeanMethods = false)
class RedisClientTuning {

  @Bean
  LettuceClientOptionsBuilderCustomizer failFastWhileDisconnected() {
    return options ->
        options
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled());
  }

  @Bean
  ClientResourcesBuilderCustomizer reconnectWithinASecond() {
    return resources ->
        resources.reconnectDelay(
            Delay.exponential(
                Duration.ofMillis(20), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS));
  }
}
