package org.llmplatform.session;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Cluster on loopback: six redis-server processes started with {@code
 * --cluster-enabled yes} and joined by {@code redis-cli --cluster create} (three masters, one
 * replica each), as the Redis documentation sets one up. Tests that need it skip where redis-server
 * or redis-cli is not installed.
 */
final class LocalRedisCluster implements AutoCloseable {

  private static final int NODES = 6;

  private final List<Process> processes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final Path dir;

  private LocalRedisCluster(Path dir) {
    this.dir = dir;
  }

  static LocalRedisCluster start() throws IOException, InterruptedException {
    String server = binary("redis-server");
    String cli = binary("redis-cli");
    assumeTrue(server != null && cli != null, "no redis-server / redis-cli: no cluster to test on");
    var cluster = new LocalRedisCluster(Files.createTempDirectory("session-redis-cluster-"));
    try {
      cluster.startNodes(server);
      cluster.create(cli);
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** {@code host:port,host:port,…}: what {@code spring.data.redis.cluster.nodes} takes. */
  String nodes() {
    return String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
  }

  private void startNodes(String server) throws IOException, InterruptedException {
    for (int i = 0; i < NODES; i++) {
      int port = freePort();
      Path node = Files.createDirectories(dir.resolve(Integer.toString(port)));
      processes.add(
          new ProcessBuilder(
                  server,
                  "--port",
                  Integer.toString(port),
                  "--bind",
                  "127.0.0.1",
                  "--cluster-enabled",
                  "yes",
                  // no failover while a loaded test machine pauses a node for a few seconds
                  "--cluster-node-timeout",
                  "60000",
                  "--cluster-config-file",
                  node.resolve("nodes.conf").toString(),
                  "--dir",
                  node.toString(),
                  "--save",
                  "",
                  "--appendonly",
                  "no",
                  "--logfile",
                  node.resolve("redis.log").toString())
              .redirectErrorStream(true)
              .redirectOutput(node.resolve("stdout.log").toFile())
              .start());
      ports.add(port);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (int port : ports) {
      while (!TestRedis.answersPing("127.0.0.1", port)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("redis-server :" + port + " did not start; see " + dir);
        }
        Thread.sleep(50);
      }
    }
  }

  private void create(String cli) throws IOException, InterruptedException {
    var command = new ArrayList<>(List.of(cli, "--cluster", "create"));
    ports.forEach(p -> command.add("127.0.0.1:" + p));
    command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
    Process create =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("create.log").toFile())
            .start();
    if (!create.waitFor(60, TimeUnit.SECONDS) || create.exitValue() != 0) {
      throw new IllegalStateException("redis-cli --cluster create failed; see " + dir);
    }
    // the slots are assigned; wait until every node agrees the cluster is up
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    for (int port : ports) {
      while (!clusterOk(cli, port)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the cluster did not come up; see " + dir);
        }
        Thread.sleep(100);
      }
    }
  }

  private static boolean clusterOk(String cli, int port) throws IOException, InterruptedException {
    Process info =
        new ProcessBuilder(cli, "-p", Integer.toString(port), "cluster", "info")
            .redirectErrorStream(true)
            .start();
    String out = new String(info.getInputStream().readAllBytes());
    info.waitFor(10, TimeUnit.SECONDS);
    return out.contains("cluster_state:ok");
  }

  private static String binary(String name) {
    return List.of("/usr/bin/" + name, "/usr/local/bin/" + name).stream()
        .filter(path -> Files.isExecutable(Path.of(path)))
        .findFirst()
        .orElse(null);
  }

  /** A free port whose cluster bus port (port + 10000) is free as well. */
  private static int freePort() throws IOException {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0)) {
        int port = socket.getLocalPort();
        if (port + 10000 <= 65535) {
          try (ServerSocket bus = new ServerSocket(port + 10000)) {
            return port;
          } catch (IOException taken) {
            // another one
          }
        }
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
