package org.llmplatform.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.yaml.snakeyaml.Yaml;

/**
 * The README's first command: {@code ./llm up} brings the platform up on the default model, a chat
 * request through the gateway streams an answer, the internal services refuse calls without the
 * launcher's internal token, {@code ./llm bench} runs a short sweep with no flag telling it where
 * the platform or its key is (and {@code --peer} refuses bad options by name), every metric the
 * chart's Grafana dashboard queries is one the running services export, {@code ./llm down} leaves
 * no process behind. Runs after the services are packaged (failsafe, integration-test phase), on
 * the fixed ports 8080–8083 and 9080 (the gateway's actuator).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LauncherIT {

  private static final Path ROOT = RepoPaths.root();
  private static final List<Integer> PORTS = List.of(8080, 8081, 8082, 8083, 9080);
  private static final List<String> SERVICES =
      List.of("gateway", "tokenizer", "inference", "session");

  private static String upOutput;

  @BeforeAll
  static void up() throws Exception {
    for (int port : PORTS) {
      assertThat(listening(port)).as("port %d must be free for ./llm up", port).isFalse();
    }
    Result result = run(Duration.ofMinutes(5), "./llm", "up");
    upOutput = result.output();
    assertThat(result.exit()).as(upOutput).isZero();
  }

  @AfterAll
  static void down() throws Exception {
    run(Duration.ofMinutes(1), "./llm", "down");
  }

  @Test
  @Order(1)
  void upStartsEveryServiceAndPrintsTheKeyAndACurlExample() throws Exception {
    for (int port : PORTS) {
      assertThat(listening(port)).as("port %d", port).isTrue();
    }
    assertThat(upOutput).contains("http://localhost:8080/v1").contains(apiKey()).contains("curl");
    for (String service : SERVICES) {
      assertThat(ROOT.resolve(".run/logs/" + service + ".log")).exists();
    }
  }

  @Test
  @Order(2)
  void aChatRequestThroughTheGatewayStreamsAnAnswer() throws Exception {
    String body =
        """
        {"model":"chat-default","stream":true,"max_tokens":8,
         "messages":[{"role":"user","content":"Hello!"}]}""";
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:8080/v1/chat/completions"))
            .header("Authorization", "Bearer " + apiKey())
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response;
    try (HttpClient client = HttpClient.newHttpClient()) {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
    }
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElse(""))
        .startsWith("text/event-stream");
    List<String> events =
        response
            .body()
            .lines()
            .filter(l -> l.startsWith("data:"))
            .map(l -> l.substring("data:".length()).strip())
            .toList();
    assertThat(events).hasSizeGreaterThan(2);
    assertThat(events.getFirst()).contains("chat.completion.chunk");
    assertThat(events.getLast()).isEqualTo("[DONE]");
  }

  @Test
  @Order(2)
  void benchRunsAShortSweepAgainstThePlatformWithoutFlagsForItAndEndsWithItsJsonLine()
      throws Exception {
    Path out = ROOT.resolve("deployment-tests/target/bench");
    Result result =
        run(
            Duration.ofMinutes(2),
            "./llm",
            "bench",
            "--concurrency",
            "1,2",
            "--duration",
            "2",
            "--warmup",
            "0",
            "--output-len",
            "8",
            "--out",
            out.toString());
    assertThat(result.exit()).as(result.output()).isZero();

    String lastLine = result.output().strip().lines().reduce((a, b) -> b).orElseThrow();
    Map<String, Object> summary = new Yaml().load(lastLine); // JSON is YAML
    assertThat(summary)
        .as(result.output())
        .containsEntry("concurrency", 2)
        .containsEntry("model", "chat-default")
        .containsEntry("errors", Map.of())
        .containsKeys("requests_per_s", "output_tokens_per_s", "ttft_ms", "tpot_ms", "itl_ms");
    assertThat((List<?>) summary.get("levels")).hasSize(2);
    assertThat(((Number) summary.get("requests_per_s")).doubleValue()).isPositive();
    @SuppressWarnings("unchecked")
    Map<String, Object> ttft = (Map<String, Object>) summary.get("ttft_ms");
    assertThat(ttft).containsKeys("p50", "p90", "p99");
    assertThat(Path.of((String) summary.get("result"))).exists().startsWith(out);
  }

  @Test
  @Order(2)
  void benchPeerRefusesAnUnknownPeerAndAMissingValueByName() throws Exception {
    Result unknown = run(Duration.ofSeconds(30), "./llm", "bench", "--peer", "vllm");
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.output()).contains("the one peer is transformers.js", "'vllm'");
    Result missing =
        run(Duration.ofSeconds(30), "./llm", "bench", "--peer", "transformers.js", "--rounds");
    assertThat(missing.exit()).isNotZero();
    assertThat(missing.output()).contains("--rounds needs a value");
    Result notANumber =
        run(Duration.ofSeconds(30), "./llm", "bench", "--peer", "transformers.js", "--rounds", "0");
    assertThat(notANumber.exit()).isNotZero();
    assertThat(notANumber.output()).contains("positive whole number", "'0'");
  }

  @Test
  @Order(3)
  void theInternalServicesNeedTheLaunchersTokenAndTheGatewaysActuatorIsNotPublic()
      throws Exception {
    Path tokenFile = ROOT.resolve(".run/internal-token");
    assertThat(Files.getPosixFilePermissions(tokenFile))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String token = Files.readString(tokenFile).strip();
    assertThat(token).hasSizeGreaterThanOrEqualTo(32);
    String tokenizer = "http://127.0.0.1:8081/v1/internal/tokenizer?model=chat-default";
    assertThat(get(tokenizer, null).statusCode()).isEqualTo(401);
    assertThat(get(tokenizer, token).statusCode()).isEqualTo(200);
    assertThat(get("http://127.0.0.1:8083/v1/sessions?owner=x", "wrong-" + token).statusCode())
        .isEqualTo(401);
    assertThat(get("http://127.0.0.1:8082/actuator/health", null).statusCode()).isEqualTo(200);
    assertThat(get("http://127.0.0.1:9080/actuator/prometheus", null).statusCode()).isEqualTo(200);
    // the public port serves no actuator, and nothing but the API docs without an API key
    assertThat(get("http://127.0.0.1:8080/actuator/prometheus", null).statusCode()).isEqualTo(401);
  }

  @Test
  @Order(3)
  void everyMetricTheGrafanaDashboardQueriesIsOneTheServicesExport() throws Exception {
    // an error answer, so that the gateway's error counter exists (the chat above made the rest)
    assertThat(get("http://127.0.0.1:8080/v1/models", null).statusCode()).isEqualTo(401);
    var exported = new java.util.TreeSet<String>();
    // the gateway's management port and inference-service: tokenizer- and session-service have no
    // Prometheus registry (their /actuator/prometheus is 404)
    for (int port : List.of(9080, 8082)) {
      HttpResponse<String> metrics = get("http://127.0.0.1:" + port + "/actuator/prometheus", null);
      assertThat(metrics.statusCode()).as("port %d", port).isEqualTo(200);
      exported.addAll(GrafanaDashboard.exposed(metrics.body()));
    }

    assertThat(exported)
        .as("metrics the services export")
        .containsAll(GrafanaDashboard.load().metricNames());
  }

  @Test
  @Order(4)
  void downLeavesNoProcessBehind() throws Exception {
    List<Long> pids = new ArrayList<>();
    for (String service : SERVICES) {
      Path pid = ROOT.resolve(".run/" + service + ".pid");
      if (Files.exists(pid)) {
        pids.add(Long.parseLong(Files.readString(pid).strip()));
      }
    }
    assertThat(pids).hasSize(SERVICES.size());
    Result result = run(Duration.ofMinutes(1), "./llm", "down");
    assertThat(result.exit()).as(result.output()).isZero();
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("pid %d", pid)
          .isFalse();
    }
    for (int port : PORTS) {
      assertThat(listening(port)).as("port %d after down", port).isFalse();
    }
  }

  private static HttpResponse<String> get(String url, String internalToken) throws Exception {
    var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    if (internalToken != null) {
      request.header("X-Internal-Token", internalToken);
    }
    try (HttpClient client = HttpClient.newHttpClient()) {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  private static String apiKey() throws IOException {
    return Files.readString(ROOT.resolve(".run/api-key")).strip();
  }

  private static boolean listening(int port) {
    try (Socket ignored = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private record Result(int exit, String output) {}

  private static Result run(Duration timeout, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    builder.environment().put("LLM_DETACH", "yes");
    Process process = builder.start();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
