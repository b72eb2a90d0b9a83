package org.llmplatform.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** Renders helm/llm-platform with the bundled Helm (offline) and checks the objects it produces. */
class HelmChartTest {

  private static final Path CHART = RepoPaths.root().resolve("helm/llm-platform");
  private static final String PREFIX = "demo-llm-platform-";
  private static final List<String> SERVICES =
      List.of("gateway", "tokenizer", "inference", "session");

  @Test
  void lintPasses() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.isFailed()).as("lint: %s", result.getMessages()).isFalse();
  }

  @Test
  void defaultsRenderTheFourServicesRedisAndPolicies() {
    Rendered out = render();

    for (String service : SERVICES) {
      Map<String, Object> deployment = out.one("Deployment", PREFIX + service);
      Map<String, Object> container = out.container(deployment);
      assertThat(YamlPath.get(container, "readinessProbe.httpGet.path"))
          .isEqualTo("/actuator/health/readiness");
      assertThat(YamlPath.get(container, "livenessProbe.httpGet.path"))
          .isEqualTo("/actuator/health/liveness");
      assertThat(YamlPath.get(container, "startupProbe.httpGet.path"))
          .isEqualTo("/actuator/health/liveness");
      // the gateway's actuator is on its management port, the internal services' on their own
      String actuatorPort = service.equals("gateway") ? "management" : "http";
      for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
        assertThat(YamlPath.get(container, probe + ".httpGet.port")).isEqualTo(actuatorPort);
      }
      assertThat((String) container.get("image"))
          .isEqualTo("ghcr.io/llm-platform/" + service + "-service:0.1.0");
      assertThat(YamlPath.get(container, "resources.requests")).isNotNull();
      assertThat(YamlPath.get(deployment, "spec.template.spec.securityContext.runAsNonRoot"))
          .isEqualTo(true);
      out.one("Service", PREFIX + service);
      out.one("PodDisruptionBudget", PREFIX + service);
      out.one("ConfigMap", PREFIX + service);
    }
    assertThat(out.names("HorizontalPodAutoscaler"))
        .containsExactlyInAnyOrder(PREFIX + "gateway", PREFIX + "tokenizer");
    out.one("StatefulSet", PREFIX + "redis");
    assertThat(
            YamlPath.get(
                out.one("StatefulSet", PREFIX + "redis"),
                "spec.volumeClaimTemplates.0.spec.resources.requests.storage"))
        .isEqualTo("1Gi");
    assertThat(
            out.env(out.one("Deployment", PREFIX + "session"), "SPRING_DATA_REDIS_URL")
                .get("value"))
        .isEqualTo("redis://:$(REDIS_PASSWORD)@demo-llm-platform-redis:6379");
    assertThat(out.names("Ingress")).isEmpty();
    assertThat(out.names("ServiceMonitor")).isEmpty();

    // The model comes from a volume, never from the image.
    Map<String, Object> inference = out.one("Deployment", PREFIX + "inference");
    assertThat(YamlPath.get(inference, "spec.template.spec.volumes"))
        .asString()
        .contains("claimName=llm-model");
    assertThat(out.configFile(PREFIX + "inference")).contains("device: cpu");
    assertThat(YamlPath.get(out.container(inference), "resources.limits"))
        .asString()
        .doesNotContain("nvidia.com/gpu");
  }

  @Test
  void theGatewaysActuatorIsOnItsManagementPortOnly() {
    Rendered out = render();

    Map<String, Object> container = out.container(out.one("Deployment", PREFIX + "gateway"));
    assertThat(YamlPath.get(container, "ports"))
        .isEqualTo(
            List.of(
                Map.of("name", "http", "containerPort", 8080),
                Map.of("name", "management", "containerPort", 9080)));
    assertThat(out.configFile(PREFIX + "gateway"))
        .contains("management:\n  server:")
        .contains("port: 9080");
    for (String internal : List.of("tokenizer", "inference", "session")) {
      assertThat(out.configFile(PREFIX + internal)).doesNotContain("port: 9080");
    }
    // the Ingress routes the API port only; the Service names both for the ServiceMonitor
    assertThat(YamlPath.get(out.one("Service", PREFIX + "gateway"), "spec.ports.1"))
        .isEqualTo(Map.of("name", "management", "port", 9080, "targetPort", "management"));
  }

  @Test
  void everyServiceGetsTheInternalTokenFromAGeneratedSecret() {
    Rendered out = render();

    Map<String, Object> secret = out.one("Secret", PREFIX + "internal-token");
    assertThat(YamlPath.get(secret, "metadata.annotations.[helm.sh/resource-policy]"))
        .isEqualTo("keep");
    String token =
        new String(
            java.util.Base64.getDecoder()
                .decode((String) YamlPath.get(secret, "data.[internal-token]")));
    assertThat(token).hasSize(48).matches("[A-Za-z0-9]+");
    assertThat(render().secretValue(PREFIX + "internal-token", "internal-token"))
        .as("without a cluster to look the Secret up, each render makes a new token")
        .isNotEqualTo(YamlPath.get(secret, "data.[internal-token]"));
    for (String service : SERVICES) {
      assertThat(
              YamlPath.get(
                  out.env(out.one("Deployment", PREFIX + service), "LLM_INTERNAL_TOKEN"),
                  "valueFrom.secretKeyRef"))
          .as(service)
          .isEqualTo(Map.of("name", PREFIX + "internal-token", "key", "internal-token"));
    }
    for (Map<String, Object> configMap : out.all("ConfigMap")) {
      assertThat(configMap.toString()).doesNotContain(token);
    }
  }

  @Test
  void anExistingInternalTokenSecretIsUsedAndNoneIsGenerated() {
    Rendered out = render("internal-token.yaml");

    assertThat(out.names("Secret")).doesNotContain(PREFIX + "internal-token");
    for (String service : SERVICES) {
      assertThat(
              YamlPath.get(
                  out.env(out.one("Deployment", PREFIX + service), "LLM_INTERNAL_TOKEN"),
                  "valueFrom.secretKeyRef"))
          .isEqualTo(Map.of("name", "platform-internal-token", "key", "token"));
    }
  }

  @Test
  void metricsScrapersReachTheActuatorPortsOnlyWhenNamed() {
    Map<String, Object> closed = render().one("NetworkPolicy", PREFIX + "gateway");
    assertThat((List<?>) YamlPath.get(closed, "spec.ingress")).hasSize(1);

    Rendered out = render("internal-token.yaml");
    var monitoring =
        List.of(
            Map.of(
                "namespaceSelector",
                Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "monitoring"))));
    Map<String, Object> gateway = out.one("NetworkPolicy", PREFIX + "gateway");
    assertThat(YamlPath.get(gateway, "spec.ingress.1.from")).isEqualTo(monitoring);
    assertThat(YamlPath.get(gateway, "spec.ingress.1.ports.0.port")).isEqualTo(9080);
    Map<String, Object> session = out.one("NetworkPolicy", PREFIX + "session");
    assertThat(YamlPath.get(session, "spec.ingress.1.from")).isEqualTo(monitoring);
    assertThat(YamlPath.get(session, "spec.ingress.1.ports.0.port")).isEqualTo(8083);
  }

  @Test
  void networkPoliciesLetOnlyTheGatewayInAndRedisOnlyFromSessionAndGateway() {
    Rendered out = render();

    Map<String, Object> deny = out.one("NetworkPolicy", PREFIX + "default-deny");
    assertThat(YamlPath.get(deny, "spec.ingress")).isNull();
    assertThat(YamlPath.get(deny, "spec.podSelector.matchLabels"))
        .isEqualTo(Map.of("app.kubernetes.io/instance", "demo"));

    Map<String, Object> gateway = out.one("NetworkPolicy", PREFIX + "gateway");
    assertThat(YamlPath.get(gateway, "spec.ingress.0.from")).as("open to all").isNull();
    assertThat(YamlPath.get(gateway, "spec.ingress.0.ports.0.port")).isEqualTo(8080);

    for (String internal : List.of("tokenizer", "inference", "session")) {
      Map<String, Object> policy = out.one("NetworkPolicy", PREFIX + internal);
      assertThat(YamlPath.get(policy, "spec.podSelector.matchLabels.[app.kubernetes.io/name]"))
          .isEqualTo(internal);
      assertThat(YamlPath.get(policy, "spec.ingress.0.from"))
          .isEqualTo(List.of(Map.of("podSelector", Map.of("matchLabels", selector("gateway")))));
    }
    Map<String, Object> redis = out.one("NetworkPolicy", PREFIX + "redis");
    assertThat(YamlPath.get(redis, "spec.ingress.0.from"))
        .isEqualTo(
            List.of(
                Map.of("podSelector", Map.of("matchLabels", selector("session"))),
                Map.of("podSelector", Map.of("matchLabels", selector("gateway")))));
  }

  @Test
  void theGatewayRoutesOverEveryReadyInferencePodAndAPodDrainsBeforeItStops() {
    Rendered out = render();
    Map<String, Object> pods = out.one("Service", PREFIX + "inference-pods");
    assertThat(YamlPath.get(pods, "spec.clusterIP")).isEqualTo("None");
    assertThat(YamlPath.get(pods, "spec.selector"))
        .isEqualTo(YamlPath.get(out.one("Service", PREFIX + "inference"), "spec.selector"));
    Map<String, Object> gateway = new Yaml().load(out.configFile(PREFIX + "gateway"));
    assertThat(YamlPath.get(gateway, "llm.gateway.models.default.replicas-dns"))
        .isEqualTo("http://" + PREFIX + "inference-pods:8082");
    assertThat(YamlPath.get(gateway, "llm.gateway.routing.policy")).isEqualTo("kv-aware");

    Map<String, Object> inference = out.one("Deployment", PREFIX + "inference");
    assertThat(YamlPath.get(inference, "spec.template.spec.terminationGracePeriodSeconds"))
        .isEqualTo(45);
    assertThat(YamlPath.get(out.container(inference), "lifecycle.preStop.sleep.seconds"))
        .isEqualTo(5);
    Map<String, Object> engine = new Yaml().load(out.configFile(PREFIX + "inference"));
    assertThat(YamlPath.get(engine, "spring.lifecycle.timeout-per-shutdown-phase"))
        .isEqualTo("30s");
    for (String service : SERVICES) {
      assertThat(
              YamlPath.get(
                  out.one("Deployment", PREFIX + service),
                  "spec.template.spec.topologySpreadConstraints.0.topologyKey"))
          .isEqualTo("kubernetes.io/hostname");
    }
  }

  @Test
  void inferenceScalesOnQueueDepthWithCpuBeside() {
    Rendered out = render("scale-out.yaml");
    Map<String, Object> hpa = out.one("HorizontalPodAutoscaler", PREFIX + "inference");
    assertThat(YamlPath.get(hpa, "spec.minReplicas")).isEqualTo(3);
    assertThat(YamlPath.get(hpa, "spec.metrics.0.pods.metric.name"))
        .isEqualTo("llm_num_requests_waiting");
    assertThat(YamlPath.get(hpa, "spec.metrics.0.pods.target.averageValue")).isEqualTo("2");
    assertThat(YamlPath.get(hpa, "spec.metrics.1.resource.name")).isEqualTo("cpu");
    assertThat(
            YamlPath.get(
                out.one("Deployment", PREFIX + "inference"),
                "spec.template.spec.terminationGracePeriodSeconds"))
        .isEqualTo(75);
    Map<String, Object> gateway = new Yaml().load(out.configFile(PREFIX + "gateway"));
    assertThat(YamlPath.get(gateway, "llm.gateway.routing.policy")).isEqualTo("session-affinity");
  }

  @Test
  void gpuValuesScheduleInferenceOnNvidiaGpusWithTheCudaImage() {
    Rendered out = render("gpu.yaml");

    Map<String, Object> inference = out.one("Deployment", PREFIX + "inference");
    Map<String, Object> container = out.container(inference);
    assertThat(YamlPath.get(container, "resources.limits.[nvidia.com/gpu]")).isEqualTo(2);
    assertThat((String) container.get("image")).endsWith("inference-service:0.1.0-cuda");
    assertThat(YamlPath.get(inference, "spec.template.spec.runtimeClassName")).isEqualTo("nvidia");
    assertThat(YamlPath.get(inference, "spec.template.spec.nodeSelector"))
        .isEqualTo(Map.of("nvidia.com/gpu.present", "true"));
    assertThat(YamlPath.get(inference, "spec.template.spec.tolerations.0.key"))
        .isEqualTo("nvidia.com/gpu");
    assertThat(out.configFile(PREFIX + "inference")).contains("device: cuda");

    for (String other : List.of("gateway", "tokenizer", "session")) {
      Map<String, Object> deployment = out.one("Deployment", PREFIX + other);
      assertThat(YamlPath.get(out.container(deployment), "resources.limits").toString())
          .doesNotContain("nvidia.com/gpu");
      assertThat(YamlPath.get(deployment, "spec.template.spec.runtimeClassName")).isNull();
    }
  }

  @Test
  void externalRedisReplacesTheStatefulSet() {
    Rendered out = render("external-redis.yaml");

    assertThat(out.names("StatefulSet")).isEmpty();
    assertThat(out.names("NetworkPolicy")).doesNotContain(PREFIX + "redis");
    for (String user : List.of("session", "gateway")) {
      Map<String, Object> deployment = out.one("Deployment", PREFIX + user);
      assertThat(YamlPath.get(out.env(deployment, "REDIS_PASSWORD"), "valueFrom.secretKeyRef"))
          .isEqualTo(Map.of("name", "shared-redis", "key", "password"));
      assertThat(out.env(deployment, "SPRING_DATA_REDIS_URL").get("value"))
          .isEqualTo("rediss://:$(REDIS_PASSWORD)@redis.example.internal:6380");
    }
    assertThat(out.names("Secret")).doesNotContain(PREFIX + "redis");
  }

  @Test
  void ingressAndServiceMonitorAreOptional() {
    Rendered out = render("ingress.yaml");

    Map<String, Object> ingress = out.one("Ingress", "demo-llm-platform");
    assertThat(YamlPath.get(ingress, "spec.ingressClassName")).isEqualTo("nginx");
    assertThat(YamlPath.get(ingress, "spec.rules.0.host")).isEqualTo("api.llm.example.com");
    assertThat(YamlPath.get(ingress, "spec.rules.0.http.paths.0.backend.service.name"))
        .isEqualTo(PREFIX + "gateway");
    assertThat(YamlPath.get(ingress, "spec.tls.0.secretName")).isEqualTo("llm-tls");
    Map<String, Object> monitor = out.one("ServiceMonitor", "demo-llm-platform");
    assertThat(YamlPath.get(monitor, "spec.endpoints.0.path")).isEqualTo("/actuator/prometheus");
    assertThat(YamlPath.get(monitor, "spec.endpoints.0.port")).isEqualTo("http");
    assertThat(YamlPath.get(monitor, "spec.selector.matchExpressions.0.values"))
        .isEqualTo(List.of("tokenizer", "inference", "session"));
    Map<String, Object> gateway = out.one("ServiceMonitor", PREFIX + "gateway");
    assertThat(YamlPath.get(gateway, "spec.endpoints.0.path")).isEqualTo("/actuator/prometheus");
    assertThat(YamlPath.get(gateway, "spec.endpoints.0.port")).isEqualTo("management");
  }

  @Test
  void corsOriginsReachTheGatewaysConfigurationOnlyWhenGiven() {
    assertThat(render().configFile(PREFIX + "gateway")).doesNotContain("cors");

    Map<String, Object> config =
        new org.yaml.snakeyaml.Yaml().load(render("cors.yaml").configFile(PREFIX + "gateway"));
    assertThat(YamlPath.get(config, "llm.gateway.cors.allowed-origins"))
        .isEqualTo(List.of("https://chat.example.com", "http://localhost:5173"));
  }

  @Test
  void secretsStayOutOfConfigMaps() {
    Rendered out = render("api-keys.yaml");

    String hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    Map<String, Object> keys = out.one("Secret", PREFIX + "api-keys");
    assertThat(YamlPath.get(keys, "stringData.[application.yaml]"))
        .asString()
        .contains(hash)
        .contains("tenant: \"acme\"")
        .contains("tokens-per-minute: 200000");
    assertThat(YamlPath.get(out.one("Secret", PREFIX + "redis"), "data.[redis-password]"))
        .isEqualTo(
            java.util.Base64.getEncoder().encodeToString("s3cret-redis-password".getBytes()));
    for (Map<String, Object> configMap : out.all("ConfigMap")) {
      assertThat(configMap.toString())
          .doesNotContain(hash)
          .doesNotContain("s3cret-redis-password")
          .doesNotContainIgnoringCase("password:");
    }
    Map<String, Object> gateway = out.one("Deployment", PREFIX + "gateway");
    assertThat(YamlPath.get(gateway, "spec.template.spec.volumes").toString())
        .contains("secretName=" + PREFIX + "api-keys");
  }

  @Test
  void aModelUrlIsFetchedByAnInitContainer() {
    Rendered out = render("model-url.yaml");

    for (String user : List.of("inference", "tokenizer")) {
      Map<String, Object> deployment = out.one("Deployment", PREFIX + user);
      assertThat(YamlPath.get(deployment, "spec.template.spec.initContainers.0.name"))
          .isEqualTo("fetch-model");
      assertThat(YamlPath.get(deployment, "spec.template.spec.volumes").toString())
          .contains("emptyDir")
          .doesNotContain("persistentVolumeClaim");
    }
    assertThat(
            YamlPath.get(
                out.one("Deployment", PREFIX + "gateway"), "spec.template.spec.initContainers"))
        .isNull();
  }

  @Test
  void theGrafanaDashboardIsAConfigMapForGrafanasSidecarWhenAskedFor() throws Exception {
    assertThat(render().names("ConfigMap")).doesNotContain(PREFIX + "dashboard");

    Rendered out = render("dashboard.yaml");
    Map<String, Object> configMap = out.one("ConfigMap", PREFIX + "dashboard");
    assertThat(YamlPath.get(configMap, "metadata.labels.grafana_dashboard")).isEqualTo("1");
    assertThat(YamlPath.get(configMap, "metadata.annotations.grafana_folder")).isEqualTo("LLM");
    String json = (String) YamlPath.get(configMap, "data.[llm-platform.json]");
    assertThat(json)
        .isEqualTo(java.nio.file.Files.readString(GrafanaDashboard.FILE).stripTrailing());
    assertThat(GrafanaDashboard.parse(json).queries()).isNotEmpty();
    assertThat(out.names("ServiceMonitor"))
        .containsExactlyInAnyOrder(PREFIX.substring(0, PREFIX.length() - 1), PREFIX + "gateway");
  }

  @Test
  void everyServiceExportsItsSpansToTheCollectorGivenAtTheSamplingShareGiven() {
    Rendered defaults = render();
    Rendered traced = render("tracing.yaml");

    for (String service : SERVICES) {
      var deployment = defaults.one("Deployment", PREFIX + service);
      assertThat(defaults.env(deployment, "TRACING_SAMPLING")).containsEntry("value", "0.1");
      assertThat(defaults.envNames(deployment))
          .as("no collector, no export")
          .doesNotContain("MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT");
      deployment = traced.one("Deployment", PREFIX + service);
      assertThat(traced.env(deployment, "TRACING_SAMPLING")).containsEntry("value", "0.25");
      assertThat(traced.env(deployment, "MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT"))
          .containsEntry("value", "http://otel-collector.monitoring:4318/v1/traces");
    }
  }

  @Test
  void aValueOfTheWrongTypeFailsWithAClearMessage() {
    assertThatThrownBy(() -> render("wrong-type.yaml"))
        .hasMessageContaining("replicas")
        .hasMessageContaining("integer");
  }

  private static Map<String, String> selector(String component) {
    return Map.of("app.kubernetes.io/name", component, "app.kubernetes.io/instance", "demo");
  }

  /**
   * {@code helm template} with the given values files. helm-java's template is not client-only: its
   * {@code lookup} dials a cluster (localhost:8080) and fails, so the internal token's lookup is
   * switched off here; {@link #lintPasses} renders the defaults, lookup included.
   */
  private static Rendered render(String... valuesFiles) {
    var command =
        new Helm(CHART)
            .template()
            .withName("demo")
            .withNamespace("llm")
            .set("internalToken.keepOnUpgrade", false);
    for (String file : valuesFiles) {
      command = command.withValuesFile(RepoPaths.testResource("values/" + file));
    }
    return new Rendered(command.call());
  }

  /** The objects of one `helm template` output. */
  private static final class Rendered {
    private final List<Map<String, Object>> objects = new ArrayList<>();

    @SuppressWarnings("unchecked")
    Rendered(String manifest) {
      LoaderOptions strict = new LoaderOptions();
      strict.setAllowDuplicateKeys(false);
      for (Object doc : new Yaml(strict).loadAll(manifest)) {
        if (doc instanceof Map<?, ?> map) {
          objects.add((Map<String, Object>) map);
        }
      }
    }

    List<Map<String, Object>> all(String kind) {
      return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    List<String> names(String kind) {
      return all(kind).stream().map(o -> (String) YamlPath.get(o, "metadata.name")).toList();
    }

    Map<String, Object> one(String kind, String name) {
      List<Map<String, Object>> found =
          all(kind).stream().filter(o -> name.equals(YamlPath.get(o, "metadata.name"))).toList();
      assertThat(found).as("%s %s among %s", kind, name, names(kind)).hasSize(1);
      return found.getFirst();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> container(Map<String, Object> deployment) {
      return (Map<String, Object>) YamlPath.get(deployment, "spec.template.spec.containers.0");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> env(Map<String, Object> deployment, String name) {
      List<Map<String, Object>> env = (List<Map<String, Object>>) container(deployment).get("env");
      return env.stream().filter(e -> name.equals(e.get("name"))).findFirst().orElseThrow();
    }

    List<Object> envNames(Map<String, Object> deployment) {
      List<Map<String, Object>> env = (List<Map<String, Object>>) container(deployment).get("env");
      return env.stream().map(e -> e.get("name")).toList();
    }

    String secretValue(String secret, String key) {
      return (String) YamlPath.get(one("Secret", secret), "data.[" + key + "]");
    }

    String configFile(String configMap) {
      return (String) YamlPath.get(one("ConfigMap", configMap), "data.[application.yaml]");
    }
  }
}
