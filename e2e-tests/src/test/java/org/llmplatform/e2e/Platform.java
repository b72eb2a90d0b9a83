package org.llmplatform.e2e;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The whole platform for the suite: tokenizer-service, one inference-service per model,
 * session-service (on the real Redis at 127.0.0.1:6379) and the gateway, each from its packaged jar
 * as a separate process. Started once per test JVM, stopped when it exits.
 *
 * <p>Processes rather than Spring contexts in the test JVM: each service runs exactly as deployed
 * (its own jar, classpath and configuration), and a downstream can really be killed, restarted or
 * frozen under the running gateway.
 */
final class Platform {

  /**
   * The project's test model (random weights, chat template, reference greedy ids); {@code
   * -De2e.model=tiny-llama-mha} picks another of test-models/.
   */
  static final String TINY = System.getProperty("e2e.model", "tiny-llama-gqa");

  /** The real trained model from ../shared, used when present. */
  static final String STORIES = "stories260K";

  /** The one browser origin the gateway allows (llm.gateway.cors.allowed-origins). */
  static final String BROWSER_ORIGIN = "http://localhost:5173";

  private static Platform instance;

  final Path repo;
  final Path sharedModels;

  /** Where each service's log goes. */
  final Path logs;

  final ServiceProcess tokenizer;
  final ServiceProcess session;
  final ServiceProcess gateway;
  final Map<String, ServiceProcess> inference = new LinkedHashMap<>();
  final Map<String, Path> modelDirs = new LinkedHashMap<>();

  /** Where every service exports its spans (OTLP/HTTP), as it would to a collector. */
  final OtlpReceiver traces = new OtlpReceiver();

  private final String run = UUID.randomUUID().toString().substring(0, 8);

  /** Bearer keys of the tenants the gateway is configured with. */
  final String alphaKey = "sk-e2e-alpha-" + run;

  final String betaKey = "sk-e2e-beta-" + run;
  final String limitedKey = "sk-e2e-limited-" + run;
  final String tokenLimitedKey = "sk-e2e-tokens-" + run;

  /** The browser test's own tenant: its session list holds only the sessions it made. */
  final String playgroundKey = "sk-e2e-playground-" + run;

  static synchronized Platform get() throws Exception {
    if (instance == null) {
      var platform = new Platform();
      Runtime.getRuntime().addShutdownHook(new Thread(platform::stopQuietly));
      try {
        platform.start();
      } catch (Exception | AssertionError e) {
        platform.stopQuietly();
        throw e;
      }
      instance = platform;
    }
    return instance;
  }

  private Platform() throws Exception {
    repo = Path.of(System.getProperty("llm.repo.dir", "..")).toAbsolutePath().normalize();
    sharedModels =
        Path.of(System.getProperty("llm.shared.dir", repo.resolve("../shared").toString()))
            .resolve("models")
            .toAbsolutePath()
            .normalize();
    logs = repo.resolve("e2e-tests/target/e2e-logs");
    Files.createDirectories(logs);
    modelDirs.put(TINY, repo.resolve("test-models").resolve(TINY));
    if (Files.isDirectory(sharedModels.resolve(STORIES))) {
      modelDirs.put(STORIES, sharedModels.resolve(STORIES));
    }

    var tokenizerArgs = new ArrayList<String>(List.of("--llm.tokenizer.default-model=" + TINY));
    tokenizerArgs.addAll(tracing());
    modelDirs.forEach(
        (name, dir) -> tokenizerArgs.add("--llm.tokenizer.models." + name + ".dir=" + dir));
    tokenizer = new ServiceProcess("tokenizer", jar("tokenizer-service"), tokenizerArgs, logs);
    for (var model : modelDirs.entrySet()) {
      inference.put(
          model.getKey(),
          new ServiceProcess(
              "inference-" + model.getKey(),
              jar("inference-service"),
              concat(List.of("--llm.model.dir=" + model.getValue()), tracing()),
              logs));
    }
    session = new ServiceProcess("session", jar("session-service"), tracing(), logs);

    var gatewayArgs =
        new ArrayList<String>(
            List.of(
                "--llm.gateway.tokenizer-url=" + tokenizer.url(),
                "--llm.gateway.session-url=" + session.url(),
                "--llm.gateway.default-model=" + TINY,
                "--llm.gateway.resilience.call-timeout=3s",
                "--llm.gateway.resilience.first-token-timeout=4s",
                "--llm.gateway.resilience.token-timeout=4s",
                "--llm.gateway.resilience.retries=1",
                "--llm.gateway.resilience.breaker-open-for=2s",
                "--llm.gateway.resilience.breaker-minimum-calls=5",
                "--llm.gateway.cors.allowed-origins=" + BROWSER_ORIGIN));
    gatewayArgs.addAll(tracing());
    inference.forEach(
        (name, service) ->
            gatewayArgs.add("--llm.gateway.models." + name + ".inference-url=" + service.url()));
    // stories260K never saw a tool and its template shows none: calls in the hermes format, made
    // valid by the grammar (OpenAiToolsIT)
    if (inference.containsKey(STORIES)) {
      gatewayArgs.add("--llm.gateway.models." + STORIES + ".tool-call-format=hermes");
    }
    key(gatewayArgs, 0, alphaKey, "alpha-" + run, 100_000, 100_000_000);
    key(gatewayArgs, 1, betaKey, "beta-" + run, 100_000, 100_000_000);
    key(gatewayArgs, 2, limitedKey, "limited-" + run, 3, 100_000_000);
    key(gatewayArgs, 3, tokenLimitedKey, "tokens-" + run, 100_000, 10);
    key(gatewayArgs, 4, playgroundKey, "playground-" + run, 100_000, 100_000_000);
    gateway = ServiceProcess.gateway("gateway", jar("gateway-service"), gatewayArgs, logs);
  }

  /**
   * Spans to {@link #traces}, sent every 500 ms; sampling stays each service's default (a caller's
   * sampled {@code traceparent} is followed).
   */
  private List<String> tracing() {
    return List.of(
        "--management.opentelemetry.tracing.export.otlp.endpoint=" + traces.tracesEndpoint(),
        "--management.opentelemetry.tracing.export.schedule-delay=500ms");
  }

  private static List<String> concat(List<String> a, List<String> b) {
    var all = new ArrayList<String>(a);
    all.addAll(b);
    return all;
  }

  String gatewayUrl() {
    return gateway.url();
  }

  /** The official OpenAI Java SDK's client on the gateway, as tenant alpha, without retries. */
  OpenAIClient openAiClient() {
    return OpenAIOkHttpClient.builder()
        .baseUrl(gatewayUrl() + "/v1")
        .apiKey(alphaKey)
        .timeout(Duration.ofSeconds(120))
        .maxRetries(0)
        .build();
  }

  boolean hasStories() {
    return inference.containsKey(STORIES);
  }

  private void start() throws Exception {
    for (ServiceProcess service : all()) {
      service.start();
    }
    for (ServiceProcess service : all()) {
      service.awaitReady(Duration.ofMinutes(3));
    }
  }

  List<ServiceProcess> all() {
    var all = new ArrayList<ServiceProcess>();
    all.add(tokenizer);
    all.addAll(inference.values());
    all.add(session);
    all.add(gateway);
    return all;
  }

  private void stopQuietly() {
    for (ServiceProcess service : all()) {
      if (!service.started()) {
        continue;
      }
      try {
        service.resume();
      } catch (Exception ignored) {
        // not suspended or already gone
      }
      try {
        service.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    traces.close();
  }

  /**
   * A service's packaged jar; {@code -De2e.jars=<folder>} takes the four from there instead (copies
   * that a build running beside the suite cannot rewrite under it).
   */
  Path jar(String module) {
    String jars = System.getProperty("e2e.jars");
    Path folder = jars != null ? Path.of(jars) : repo.resolve(module).resolve("target");
    return folder.resolve(module + "-0.1.0-SNAPSHOT.jar");
  }

  /** Adds API key {@code i} of {@code tenant}, with its limits per minute, to a gateway's args. */
  static void key(List<String> args, int i, String key, String tenant, int requests, long tokens)
      throws Exception {
    String hash =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    String prefix = "--llm.gateway.api-keys[" + i + "].";
    args.add(prefix + "sha256=" + hash);
    args.add(prefix + "tenant=" + tenant);
    args.add(prefix + "requests-per-minute=" + requests);
    args.add(prefix + "tokens-per-minute=" + tokens);
  }
}
