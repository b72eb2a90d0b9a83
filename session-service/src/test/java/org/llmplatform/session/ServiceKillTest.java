package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.Session;
import org.llmplatform.api.session.SessionMessages;
import tools.jackson.databind.json.JsonMapper;

/**
 * Kills the service process (SIGKILL) while clients append, then starts another one: nothing
 * acknowledged is lost, and the clients' retries (same idempotency keys) write nothing twice. The
 * service runs as a child JVM ({@code SessionApplication} on this test's class path), against the
 * test Redis under a key prefix of its own.
 */
class ServiceKillTest {

  private final String redisUrl = TestRedis.url();
  private final String keyPrefix = "test:" + UUID.randomUUID() + ":";
  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = JsonMapper.builder().build();
  private final List<Process> services = new ArrayList<>();
  private volatile String baseUrl;

  @AfterEach
  void cleanUp() throws InterruptedException {
    for (Process service : services) {
      service.destroyForcibly();
      service.waitFor();
    }
    RedisClient client = RedisClient.create(redisUrl);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      ScanIterator<String> keys =
          ScanIterator.scan(connection.sync(), ScanArgs.Builder.matches(keyPrefix + "*"));
      while (keys.hasNext()) {
        connection.sync().del(keys.next());
      }
    } finally {
      client.shutdown();
    }
  }

  @Test
  void killingTheServiceMidAppendLosesNothingAcknowledged() throws Exception {
    baseUrl = startService("first");
    Session session =
        json.readValue(
            send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/v1/sessions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"owner\":\"alice\"}"))),
            Session.class);
    Appenders appenders = new Appenders(() -> baseUrl, session.id());
    appenders.start(8);
    RedisRestartTest.awaitAcknowledged(appenders, 100);

    services.getFirst().destroyForcibly(); // SIGKILL, with appends in flight
    services.getFirst().waitFor();
    int acknowledgedBeforeKill = appenders.acknowledged().size();

    baseUrl = startService("second");
    RedisRestartTest.awaitAcknowledged(appenders, acknowledgedBeforeKill + 50);
    appenders.stop(Duration.ofSeconds(30));

    assertThat(appenders.failedAttempts()).as("the clients did see the kill").isPositive();
    SessionMessages stored =
        json.readValue(
            send(
                HttpRequest.newBuilder(
                        URI.create(
                            baseUrl + "/v1/sessions/" + session.id() + "/messages?owner=alice"))
                    .GET()),
            SessionMessages.class);
    Appenders.assertStoredExactlyOnce(stored.messages(), appenders.acknowledged());
  }

  /** Starts the service in a child JVM and waits until its health answers UP. */
  private String startService(String name) throws IOException, InterruptedException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path log = Path.of("target", "service-kill-" + name + ".log");
    Files.createDirectories(log.getParent());
    String java = ProcessHandle.current().info().command().orElse("java");
    Process process =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "org.llmplatform.session.SessionApplication",
                "--server.port=" + port,
                "--spring.data.redis.url=" + redisUrl,
                "--llm.session.key-prefix=" + keyPrefix,
                "--llm.session.max-messages-per-session=1000000")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    services.addFirst(process);
    String url = "http://127.0.0.1:" + port;
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (true) {
      assertThat(process.isAlive()).as("service exited, see " + log.toAbsolutePath()).isTrue();
      assertThat(System.nanoTime()).as("service start, see " + log).isLessThan(deadline);
      try {
        HttpResponse<String> health =
            http.send(
                HttpRequest.newBuilder(URI.create(url + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200) {
          return url;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
  }

  private String send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
    return response.body();
  }
}
