package org.llmplatform.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Validates docker-compose.yml with {@code docker-compose config} (Debian's docker-compose; .ci/run
 * installs it) and checks what the resolved file declares. No Docker engine is needed.
 */
class ComposeFileTest {

  private static final Path ROOT = RepoPaths.root();
  private static final List<String> JAVA_SERVICES =
      List.of("gateway", "tokenizer", "inference", "inference-gpu", "session");

  private static final String INTERNAL_TOKEN = "compose-internal-token-0123";
  private static final Map<String, String> REQUIRED =
      Map.of(
          "REDIS_PASSWORD",
          "pw",
          "LLM_API_KEY_SHA256",
          "ab".repeat(32),
          "LLM_INTERNAL_TOKEN",
          INTERNAL_TOKEN);

  private static Map<String, Map<String, Object>> services;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void resolve() throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/docker-compose")),
        "docker-compose is not installed (apt-get install docker-compose); .ci/run installs it");
    Result result = compose(REQUIRED);
    assertThat(result.exit()).as(result.output()).isZero();
    Map<String, Object> resolved = new Yaml().load(result.output());
    services = (Map<String, Map<String, Object>>) resolved.get("services");
  }

  @Test
  void declaresRedisAndTheServicesWithHealthChecks() {
    assertThat(services.keySet())
        .containsExactlyInAnyOrder(
            "redis", "gateway", "tokenizer", "inference", "inference-gpu", "session");
    for (String name : JAVA_SERVICES) {
      assertThat(String.valueOf(YamlPath.get(services.get(name), "healthcheck.test")))
          .as(name)
          .contains("/actuator/health/readiness");
    }
    assertThat(String.valueOf(YamlPath.get(services.get("redis"), "healthcheck.test")))
        .contains("ping");
  }

  @Test
  void theGatewaysHealthCheckIsOnItsManagementPort() {
    assertThat(String.valueOf(YamlPath.get(services.get("gateway"), "healthcheck.test")))
        .contains("http://127.0.0.1:9080/actuator/health/readiness");
    assertThat(YamlPath.get(services.get("gateway"), "build.args.MANAGEMENT_PORT"))
        .isEqualTo("9080");
  }

  @Test
  void everyJavaServiceGetsTheInternalToken() {
    for (String name : JAVA_SERVICES) {
      assertThat(YamlPath.get(services.get(name), "environment.LLM_INTERNAL_TOKEN"))
          .as(name)
          .isEqualTo(INTERNAL_TOKEN);
    }
  }

  @Test
  void aMissingInternalTokenIsRefusedWithAClearMessage() throws Exception {
    var withoutToken = new java.util.HashMap<>(REQUIRED);
    withoutToken.remove("LLM_INTERNAL_TOKEN");
    Result result = compose(withoutToken);
    assertThat(result.exit()).isNotZero();
    assertThat(result.output()).contains("set LLM_INTERNAL_TOKEN");
  }

  @Test
  void onlyTheGatewayPublishesAPort() {
    for (var entry : services.entrySet()) {
      if (entry.getKey().equals("gateway")) {
        assertThat(String.valueOf(entry.getValue().get("ports"))).contains("target=8080");
      } else {
        assertThat(entry.getValue().get("ports")).as(entry.getKey()).isNull();
      }
    }
  }

  @Test
  void servicesWaitForHealthyDependencies() {
    assertThat(YamlPath.get(services.get("gateway"), "depends_on"))
        .isEqualTo(
            Map.of(
                "redis", Map.of("condition", "service_healthy"),
                "tokenizer", Map.of("condition", "service_healthy"),
                "session", Map.of("condition", "service_healthy")));
    assertThat(YamlPath.get(services.get("session"), "depends_on"))
        .isEqualTo(Map.of("redis", Map.of("condition", "service_healthy")));
  }

  @Test
  void redisHasPersistenceAndAPassword() {
    Map<String, Object> redis = services.get("redis");
    assertThat(String.valueOf(redis.get("command")))
        .contains("--requirepass, pw")
        .contains("--appendonly, yes");
    assertThat(String.valueOf(redis.get("volumes"))).contains("redis-data:/data");
  }

  @Test
  void sessionAndGatewayReachRedisWithThePassword() {
    for (String name : List.of("session", "gateway")) {
      assertThat(YamlPath.get(services.get(name), "environment.SPRING_DATA_REDIS_URL"))
          .as(name)
          .isEqualTo("redis://:pw@redis:6379");
    }
  }

  @Test
  void theModelIsMountedReadOnlyNotBakedIn() {
    for (String name : List.of("tokenizer", "inference", "inference-gpu")) {
      assertThat(String.valueOf(services.get(name).get("volumes")))
          .as(name)
          .contains("models/chat-default:/models/model:ro");
    }
  }

  @Test
  void theGpuProfileRunsTheCudaImageWithAnNvidiaReservation() {
    Map<String, Object> gpu = services.get("inference-gpu");
    assertThat(gpu.get("profiles")).isEqualTo(List.of("gpu"));
    assertThat(services.get("inference").get("profiles")).isEqualTo(List.of("cpu"));
    assertThat(YamlPath.get(gpu, "build.args.VARIANT")).isEqualTo("cuda");
    assertThat(YamlPath.get(gpu, "environment.LLM_INFERENCE_DEVICE")).isEqualTo("cuda");
    assertThat(YamlPath.get(gpu, "deploy.resources.reservations.devices.0.driver"))
        .isEqualTo("nvidia");
    assertThat(String.valueOf(YamlPath.get(gpu, "deploy.resources.reservations.devices.0")))
        .contains("gpu");
  }

  @Test
  void aMissingRedisPasswordIsRefusedWithAClearMessage() throws Exception {
    Result result =
        compose(
            Map.of("LLM_API_KEY_SHA256", "ab".repeat(32), "LLM_INTERNAL_TOKEN", INTERNAL_TOKEN));
    assertThat(result.exit()).isNotZero();
    assertThat(result.output()).contains("set REDIS_PASSWORD");
  }

  private record Result(int exit, String output) {}

  private static Result compose(Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder("docker-compose", "-f", "docker-compose.yml", "config")
            .directory(ROOT.toFile())
            .redirectErrorStream(true);
    builder.environment().remove("REDIS_PASSWORD");
    builder.environment().remove("LLM_API_KEY_SHA256");
    builder.environment().remove("LLM_INTERNAL_TOKEN");
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), output);
  }
}
