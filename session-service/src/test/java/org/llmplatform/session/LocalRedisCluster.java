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
 * or redis-cli is not installed. Shared with gateway-service's tests through this module's
 * test-jar.
 */
public final class LocalRedisCluster implements AutoCloseable {

  private static final int NODES = 6;

  private final List<Process> processes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final Path dir;
  private final String cli;
  private volatile String password;

  private LocalRedisCluster(Path dir, String cli) {
    this.dir = dir;
    this.cli = cli;
  }

  public static LocalRedisCluster start() throws IOException, InterruptedException {
    String server = binary("redis-server");
    String cli = binary("redis-cli");
    assumeTrue(server != null && cli != null, "no redis-server / redis-cli: no cluster to test on");
    var cluster = new LocalRedisCluster(Files.createTempDirectory("redis-cluster-"), cli);
    try {
      cluster.startNodes(server);
      cluster.create();
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** {@code host:port,host:port,…}: what {@code spring.data.redis.cluster.nodes} takes. */
  public String nodes() {
    return String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
  }

  /**
   * Makes every node require {@code password} (replicas authenticate to their masters with it), as
   * a production cluster would; {@link #cli} sends it from then on.
   */
  public void requirePassword(String password) throws IOException, InterruptedException {
    for (int port : ports) {
      cli(port, "config", "set", "masterauth", password);
    }
    for (int port : ports) {
      cli(port, "config", "set", "requirepass", password);
    }
    this.password = password;
  }

  /** The port of the master that holds {@code key} (the one node that answers EXISTS with 1). */
  public int holder(String key) throws IOException, InterruptedException {
    for (int i = 0; i < ports.size(); i++) {
      if (processes.get(i).isAlive() && cli(ports.get(i), "exists", key).equals("1")) {
        return ports.get(i);
      }
    }
    throw new IllegalStateException("no node holds " + key);
  }

  /** Kills the node on {@code port} at once (SIGKILL), as a crash would. */
  public void kill(int port) throws InterruptedException {
    Process node = processes.get(ports.indexOf(port));
    node.destroyForcibly();
    node.waitFor();
  }

  /**
   * Promotes the replica of the (dead) master on {@code port} with {@code CLUSTER FAILOVER FORCE},
   * as an operator would rather than wait for the node time-out, and waits until it serves.
   *
   * @return the new master's port
   */
  public int failOver(int port) throws IOException, InterruptedException {
    int live = ports.stream().filter(p -> p != port).findFirst().orElseThrow();
    String[] nodes = cli(live, "cluster", "nodes").split("\n");
    String masterId = null;
    for (String node : nodes) {
      if (node.split(" ")[1].startsWith("127.0.0.1:" + port + "@")) {
        masterId = node.split(" ")[0];
      }
    }
    int replica = -1;
    for (String node : nodes) {
      String[] fields = node.split(" ");
      if (fields[3].equals(masterId)) {
        replica =
            Integer.parseInt(
                fields[1].substring(fields[1].indexOf(':') + 1, fields[1].indexOf('@')));
      }
    }
    if (replica < 0) {
      throw new IllegalStateException("no replica of :" + port + " in " + String.join("\n", nodes));
    }
    cli(replica, "cluster", "failover", "force");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!cli(replica, "role").startsWith("master") || !clusterOk(replica)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(":" + replica + " did not take over; see " + dir);
      }
      Thread.sleep(100);
    }
    return replica;
  }

  /** What {@code redis-cli -p port args…} printed, trimmed. */
  public String cli(int port, String... args) throws IOException, InterruptedException {
    return cli(cli, password, port, args);
  }

  /**
   * What {@code redis-cli -p port args…} printed, trimmed; AUTH with {@code password} unless null.
   */
  static String cli(String cli, String password, int port, String... args)
      throws IOException, InterruptedException {
    var command = new ArrayList<>(List.of(cli, "-p", Integer.toString(port)));
    command.addAll(List.of(args));
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (password != null) {
      builder.environment().put("REDISCLI_AUTH", password);
    }
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes()).trim();
    process.waitFor(10, TimeUnit.SECONDS);
    return out;
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
      while (!cli(port, "ping").equals("PONG")) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("redis-server :" + port + " did not start; see " + dir);
        }
        Thread.sleep(50);
      }
    }
  }

  private void create() throws IOException, InterruptedException {
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
    // the slots are assigned; wait until every node agrees the cluster is up and knows every node
    // and which master each replica follows (gossip: a test's failover looks the replica up)
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    for (int port : ports) {
      while (!clusterOk(port) || !knowsEveryReplica(port)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the cluster did not come up; see " + dir);
        }
        Thread.sleep(100);
      }
    }
  }

  private boolean knowsEveryReplica(int port) throws IOException, InterruptedException {
    String[] nodes = cli(port, "cluster", "nodes").split("\n");
    long replicas =
        java.util.Arrays.stream(nodes)
            .map(n -> n.split(" "))
            .filter(f -> f.length > 3 && f[2].contains("slave") && !f[3].equals("-"))
            .count();
    return nodes.length == NODES && replicas == NODES / 2;
  }

  private boolean clusterOk(int port) throws IOException, InterruptedException {
    return cli(port, "cluster", "info").contains("cluster_state:ok");
  }

  /** The path of an installed Redis binary, or null. */
  static String binary(String name) {
    return List.of("/usr/bin/" + name, "/usr/local/bin/" + name).stream()
        .filter(path -> Files.isExecutable(Path.of(path)))
        .findFirst()
        .orElse(null);
  }

  /** A free port whose cluster bus port (port + 10000) is free as well. */
  static int freePort() throws IOException {
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
