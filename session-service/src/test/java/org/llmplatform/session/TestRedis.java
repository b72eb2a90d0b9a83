package org.llmplatform.session;

import static org.junit.jupiter.api.Assertions.fail;

import com.redis.testcontainers.RedisContainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.testcontainers.DockerClientFactory;

/**
 * The real Redis the integration tests run against, found in this order: a Testcontainers Redis
 * where a Docker engine answers; else {@code -Dspring.data.redis.url} or {@code REDIS_URL}; else
 * 127.0.0.1:6379 when it answers PING. Without any of them the tests fail (they do not skip) and
 * say how to provide one.
 */
public final class TestRedis {

  private static String url;
  private static RedisContainer container;

  private TestRedis() {}

  public static synchronized String url() {
    if (url != null) {
      return url;
    }
    String given = System.getProperty("spring.data.redis.url", System.getenv("REDIS_URL"));
    if (isDockerAvailable()) {
      container = new RedisContainer(RedisContainer.DEFAULT_IMAGE_NAME.withTag("7.4"));
      container.start();
      url = "redis://" + container.getRedisHost() + ":" + container.getRedisPort();
    } else if (given != null && !given.isBlank()) {
      url = given;
    } else if (answersPing("127.0.0.1", 6379)) {
      url = "redis://127.0.0.1:6379";
    } else {
      fail(
          "No Redis for the integration tests. Provide one: start a Docker engine (Testcontainers"
              + " then runs Redis), or set REDIS_URL / -Dspring.data.redis.url=redis://host:port, or"
              + " run redis-server on 127.0.0.1:6379 (`./llm test` starts one).");
    }
    return url;
  }

  private static boolean isDockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** True when a Redis server answers PING on host:port within a second. */
  static boolean answersPing(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 1000);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = in.readNBytes(7);
      return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
    } catch (IOException e) {
      return false;
    }
  }
}
