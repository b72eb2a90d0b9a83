package org.llmplatform.gateway.ratelimit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/** Token buckets kept in Redis, updated atomically by one Lua script (shared by all replicas). */
@Component
class TokenBucket {

  /** What a bucket said: allowed, or how long until it would be. */
  record Decision(boolean allowed, Duration retryAfter) {}

  /**
   * The script, read once: a script made from a resource checks the resource's last-modified time
   * on every call, which inside a jar throws and catches an exception per request.
   */
  @SuppressWarnings("rawtypes")
  private static final RedisScript<List> SCRIPT = RedisScript.of(source(), List.class);

  private final ReactiveStringRedisTemplate redis;

  TokenBucket(ReactiveStringRedisTemplate redis) {
    this.redis = redis;
  }

  /**
   * Takes {@code cost} from the bucket {@code key} (capacity {@code perMinute}, refilled at {@code
   * perMinute}/60 per second) when its level is at least {@code minimum}.
   */
  Mono<Decision> take(String key, double perMinute, double cost, double minimum) {
    List<String> args =
        List.of(
            Double.toString(perMinute),
            Double.toString(perMinute / 60.0),
            Double.toString(cost),
            Double.toString(minimum),
            Long.toString(System.currentTimeMillis()));
    return redis
        .execute(SCRIPT, List.of(key), args)
        .next()
        .map(
            reply -> {
              List<?> values = (List<?>) reply;
              boolean allowed = ((Number) values.get(0)).longValue() == 1;
              return new Decision(allowed, Duration.ofMillis(((Number) values.get(1)).longValue()));
            });
  }

  private static String source() {
    try {
      return new ClassPathResource("ratelimit/token_bucket.lua")
          .getContentAsString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ratelimit/token_bucket.lua", e);
    }
  }
}
