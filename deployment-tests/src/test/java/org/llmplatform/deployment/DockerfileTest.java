package org.llmplatform.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rules the image must follow, checked on the Dockerfile's instructions (no Docker engine and
 * no hadolint here to build or lint it).
 */
class DockerfileTest {

  private static final Pattern FROM = Pattern.compile("^FROM\\s+(\\S+)(?:\\s+AS\\s+(\\S+))?$");

  private static Map<String, String> globalArgs;
  private static Map<String, List<String>> stages;
  private static List<String> finalStage;

  @BeforeAll
  static void parse() throws IOException {
    List<String> instructions = instructions();
    globalArgs = new LinkedHashMap<>();
    stages = new LinkedHashMap<>();
    List<String> current = null;
    int index = 0;
    for (String line : instructions) {
      Matcher from = FROM.matcher(line);
      if (from.matches()) {
        current = new ArrayList<>();
        current.add(line);
        String name = from.group(2) != null ? from.group(2) : "stage-" + index;
        stages.put(name, current);
        index++;
      } else if (current == null) {
        if (line.startsWith("ARG ") && line.contains("=")) {
          String[] kv = line.substring(4).split("=", 2);
          globalArgs.put(kv[0].trim(), kv[1].trim());
        }
      } else {
        current.add(line);
      }
    }
    finalStage = stages.values().stream().reduce((a, b) -> b).orElseThrow();
  }

  @Test
  void isMultiStageWithTheBuildToolsOnlyInTheBuildStage() {
    assertThat(stages).containsKey("build");
    assertThat(stages.size()).isGreaterThanOrEqualTo(3);
    assertThat(joined(stages.get("build"))).contains("mvnw").contains("extract --layers");
    assertThat(joined(finalStage))
        .doesNotContain("mvnw")
        .doesNotContain("maven")
        .doesNotContain("jdk");
  }

  @Test
  void runsOnAJre25OrTheCuda12CudnnRuntime() {
    assertThat(finalStage.getFirst()).isEqualTo("FROM runtime-${VARIANT}");
    assertThat(globalArgs.get("VARIANT")).isEqualTo("cpu");
    assertThat(stages.get("runtime-cpu").getFirst()).isEqualTo("FROM ${JRE_IMAGE} AS runtime-cpu");
    assertThat(globalArgs.get("JRE_IMAGE")).matches("eclipse-temurin:25-jre.*");
    assertThat(globalArgs.get("CUDA_IMAGE")).matches("nvidia/cuda:12\\.[0-9.]+-cudnn-runtime-.*");
    assertThat(joined(stages.get("runtime-cuda")))
        .contains("COPY --from=runtime-cpu /opt/java/openjdk");
    assertThat(joined(stages.get("build"))).contains("-Pgpu").contains("VARIANT");
  }

  @Test
  void copiesTheSpringBootLayersInOrderOfChangeFrequency() {
    List<String> copies =
        finalStage.stream().filter(l -> l.startsWith("COPY --from=build")).toList();
    assertThat(copies)
        .extracting(l -> l.replaceAll(".*/layers/([a-z-]+)/.*", "$1"))
        .containsExactly(
            "dependencies", "spring-boot-loader", "snapshot-dependencies", "application");
  }

  @Test
  void runsAsANonRootUserWithAHealthCheck() {
    String user =
        finalStage.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
    assertThat(user.substring(5).split(":")[0]).isNotIn("root", "0");
    assertThat(joined(finalStage))
        .contains("HEALTHCHECK")
        .contains("http://127.0.0.1:${MANAGEMENT_PORT}/actuator/health/readiness")
        .contains("ARG MANAGEMENT_PORT=${PORT}")
        .contains("EXPOSE ${PORT} ${MANAGEMENT_PORT}");
  }

  @Test
  void usesContainerAwareJvmFlagsAndNativeAccess() {
    String all = joined(finalStage);
    assertThat(all).contains("-XX:MaxRAMPercentage=");
    String entrypoint =
        finalStage.stream().filter(l -> l.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
    assertThat(entrypoint)
        .contains("--enable-native-access=ALL-UNNAMED")
        .contains("org.springframework.boot.loader.launch.JarLauncher");
  }

  @Test
  void neverBakesAModelIntoTheImage() throws IOException {
    for (List<String> stage : stages.values()) {
      assertThat(joined(stage)).doesNotContain("models/");
    }
    assertThat(Files.readString(RepoPaths.root().resolve(".dockerignore")))
        .contains("test-models")
        .contains("build-models")
        .containsPattern("(?m)^models$");
  }

  private static String joined(List<String> lines) {
    return String.join("\n", lines);
  }

  /** The Dockerfile's instructions, continuation lines joined, comments and blanks dropped. */
  private static List<String> instructions() throws IOException {
    List<String> out = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String raw : Files.readAllLines(RepoPaths.root().resolve("Dockerfile"))) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && pending.isEmpty())) {
        continue;
      }
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      pending.append(line);
      out.add(pending.toString().replaceAll("\\s+", " ").strip());
      pending.setLength(0);
    }
    return out;
  }
}
