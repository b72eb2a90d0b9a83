package org.llmplatform.session;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Redis Sentinel on loopback: a master and its replica that require a password, watched by one
 * sentinel ({@code redis-server sentinel.conf --sentinel}, quorum 1) under the name {@link
 * #MASTER}. Tests that need it skip where redis-server or redis-cli is not installed. Shared with
 * gateway-service's tests through this module's test-jar.
 */
public final class LocalRedisSentinel implements AutoCloseable {

  /** The monitored master's name: what {@code spring.data.redis.sentinel.master} takes. */
  public static final String MASTER = "llm";

  private final List<Process> processes = new ArrayList<>();
  private final Path dir;
  private final String cli;
  private final String password;
  private final int master;
  private final int replica;
  private final int sentinel;

  private LocalRedisSentinel(Path dir, String cli, String password) throws IOException {
    this.dir = dir;
    this.cli = cli;
    this.password = password;
    this.master = LocalRedisCluster.freePort();
    this.replica = LocalRedisCluster.freePort();
    this.sentinel = LocalRedisCluster.freePort();
  }

  public static LocalRedisSentinel start(String password) throws IOException, InterruptedException {
    String server = LocalRedisCluster.binary("redis-server");
    String cli = LocalRedisCluster.binary("redis-cli");
    assumeTrue(
        server != null && cli != null, "no redis-server / redis-cli: no Sentinel to test on");
    var set = new LocalRedisSentinel(Files.createTempDirectory("redis-sentinel-"), cli, password);
    try {
      set.startAll(server);
      return set;
    } catch (IOException | InterruptedException | RuntimeException e) {
      set.close();
      throw e;
    }
  }

  /** {@code host:port} of the sentinel: what {@code spring.data.redis.sentinel.nodes} takes. */
  public String sentinels() {
    return "127.0.0.1:" + sentinel;
  }

  /** The port of the master the sentinel names now. */
  public int master() throws IOException, InterruptedException {
    String address =
        LocalRedisCluster.cli(cli, null, sentinel, "sentinel", "get-master-addr-by-name", MASTER);
    return Integer.parseInt(address.split("\\n")[1].trim());
  }

  /** What {@code redis-cli -p port args…} printed on a data node (master or replica), trimmed. */
  public String cli(int port, String... args) throws IOException, InterruptedException {
    return LocalRedisCluster.cli(cli, password, port, args);
  }

  /** Kills the first master at once (SIGKILL), as a crash would. */
  public void killMaster() throws InterruptedException {
    Process node = processes.getFirst();
    node.destroyForcibly();
    node.waitFor();
  }

  /**
   * Has the sentinel promote the replica now ({@code SENTINEL FAILOVER}) rather than after its
   * down-after time, and waits until it names the replica as master.
   */
  public void failOver() throws IOException, InterruptedException {
    LocalRedisCluster.cli(cli, null, sentinel, "sentinel", "failover", MASTER);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (master() != replica || !cli(replica, "role").startsWith("master")) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the sentinel did not fail over; see " + dir);
      }
      Thread.sleep(100);
    }
  }

  private void startAll(String server) throws IOException, InterruptedException {
    processes.add(dataNode(server, master));
    processes.add(dataNode(server, replica, "--replicaof", "127.0.0.1", Integer.toString(master)));
    Path conf = dir.resolve("sentinel.conf");
    Files.writeString(
        conf,
        String.join(
            "\n",
            "port " + sentinel,
            "bind 127.0.0.1",
            "dir " + dir,
            "logfile " + dir.resolve("sentinel.log"),
            "sentinel monitor " + MASTER + " 127.0.0.1 " + master + " 1",
            "sentinel auth-pass " + MASTER + " " + password,
            // no failover of its own while a loaded test machine pauses the master a few seconds
            "sentinel down-after-milliseconds " + MASTER + " 60000",
            "sentinel failover-timeout " + MASTER + " 10000",
            ""));
    processes.add(
        new ProcessBuilder(server, conf.toString(), "--sentinel")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("sentinel.out").toFile())
            .start());
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!cli(replica, "info", "replication").contains("master_link_status:up")
        || !LocalRedisCluster.cli(cli, null, sentinel, "sentinel", "replicas", MASTER)
            .contains(Integer.toString(replica))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the master, replica and sentinel did not meet; see " + dir);
      }
      Thread.sleep(100);
    }
  }

  private Process dataNode(String server, int port, String... more) throws IOException {
    Path node = Files.createDirectories(dir.resolve(Integer.toString(port)));
    var command =
        new ArrayList<>(
            List.of(
                server,
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--requirepass",
                password,
                "--masterauth",
                password,
                "--dir",
                node.toString(),
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                node.resolve("redis.log").toString()));
    command.addAll(List.of(more));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(node.resolve("stdout.log").toFile())
        .start();
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
