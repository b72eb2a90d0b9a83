package org.llmplatform.session;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A redis-server of the test's own, on a free port, durable (append-only file, fsync on every
 * write), which the test may kill and start again. Tests that need one skip where no redis-server
 * binary is installed.
 */
final class PrivateRedisServer implements AutoCloseable {

  private final String binary;
  private final int port;
  private final Path dir;
  private Process process;

  private PrivateRedisServer(String binary, int port, Path dir) {
    this.binary = binary;
    this.port = port;
    this.dir = dir;
  }

  static PrivateRedisServer start() throws IOException, InterruptedException {
    String binary =
        List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server").stream()
            .filter(path -> Files.isExecutable(Path.of(path)))
            .findFirst()
            .orElse(null);
    assumeTrue(binary != null, "no redis-server binary: the restart test needs to own a Redis");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    PrivateRedisServer server =
        new PrivateRedisServer(binary, port, Files.createTempDirectory("session-redis-"));
    server.start(Duration.ofSeconds(20));
    return server;
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts the server (again), on the same port and files, and waits until it answers. */
  void start(Duration within) throws IOException, InterruptedException {
    process =
        new ProcessBuilder(
                binary,
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                dir.toString(),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--logfile",
                dir.resolve("redis.log").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout.log").toFile())
            .start();
    long deadline = System.nanoTime() + within.toNanos();
    while (!TestRedis.answersPing("127.0.0.1", port)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "redis-server did not start; see " + dir.resolve("redis.log"));
      }
      Thread.sleep(50);
    }
  }

  /** Kills the server at once (SIGKILL), as a crash would. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      kill();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }
}
