package org.llmplatform.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One service of the platform, run from its packaged jar as its own process on a free port, with
 * its log in {@code target/e2e-logs}. It can be stopped, killed, restarted on the same port,
 * suspended (SIGSTOP: a service that hangs) and resumed. Every service runs as deployed: with the
 * suite's {@link #INTERNAL_TOKEN} in {@code LLM_INTERNAL_TOKEN}, and the gateway with its actuator
 * on a management port of its own.
 */
final class ServiceProcess {

  /** The shared secret of this test JVM's services (as {@code ./llm up} or Helm makes one). */
  static final String INTERNAL_TOKEN = "e2e-internal-" + UUID.randomUUID();

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Path jar;
  private final int port;
  private final int managementPort;
  private final List<String> args;
  private final Path log;
  private Process process;

  ServiceProcess(String name, Path jar, List<String> args, Path logDir) {
    this(name, jar, args, logDir, false);
  }

  /** The gateway: its actuator on a second free port ({@code management.server.port}). */
  static ServiceProcess gateway(String name, Path jar, List<String> args, Path logDir) {
    return new ServiceProcess(name, jar, args, logDir, true);
  }

  private ServiceProcess(
      String name, Path jar, List<String> args, Path logDir, boolean ownManagementPort) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          name + ": " + jar + " is missing; the services are packaged before this suite runs");
    }
    this.name = name;
    this.jar = jar;
    this.port = freePort();
    this.managementPort = ownManagementPort ? freePort() : port;
    this.args = List.copyOf(args);
    this.log = logDir.resolve(name + ".log");
  }

  String name() {
    return name;
  }

  int port() {
    return port;
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Where its actuator answers: the gateway's management port, else {@link #url()}. */
  String managementUrl() {
    return "http://127.0.0.1:" + managementPort;
  }

  synchronized boolean started() {
    return process != null;
  }

  synchronized void start() throws IOException {
    var command = new ArrayList<String>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "--enable-native-access=ALL-UNNAMED",
            "-Xmx512m",
            "-XX:TieredStopAtLevel=1",
            "-Dai.djl.offline=true",
            "-jar",
            jar.toString(),
            "--server.port=" + port));
    if (managementPort != port) {
      command.add("--management.server.port=" + managementPort);
    }
    command.addAll(args);
    var builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("LLM_INTERNAL_TOKEN", INTERNAL_TOKEN);
    process = builder.start();
  }

  /** Waits until {@code /actuator/health} answers UP; fails with the log's tail otherwise. */
  void awaitReady(Duration limit) throws Exception {
    Instant deadline = Instant.now().plus(limit);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited at start-up:\n" + logTail());
      }
      try {
        HttpResponse<String> health =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(managementUrl() + "/actuator/health"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200 && health.body().contains("UP")) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(name + " not ready after " + limit + ":\n" + logTail());
  }

  synchronized void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  synchronized void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }

  /** SIGTERM, as Kubernetes stops a pod: the service drains and exits by itself. */
  synchronized void terminate() throws Exception {
    signal("TERM");
  }

  /** Waits for the process to exit; true when it did within {@code limit}. */
  boolean awaitExit(Duration limit) throws InterruptedException {
    return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Freezes the process (SIGSTOP): it keeps its port but answers nothing. */
  void suspend() throws Exception {
    signal("STOP");
  }

  void resume() throws Exception {
    signal("CONT");
  }

  private void signal(String signal) throws Exception {
    int exit =
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
            .inheritIO()
            .start()
            .waitFor();
    if (exit != 0) {
      throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static int freePort() {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
