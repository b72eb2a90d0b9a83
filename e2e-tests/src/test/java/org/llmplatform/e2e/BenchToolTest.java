package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The serving benchmark's own checks ({@code e2e-tests/bench/test_bench.py}: percentiles and
 * figures from known timings, SSE reading, prompt calibration, conversation replay, whole runs
 * against a fake streaming server), run here so that {@code ./mvnw verify} runs them. Python 3's
 * standard library only; skipped with a message where no python3 is installed.
 */
class BenchToolTest {

  @Test
  void theBenchmarksOwnTestsPass() throws Exception {
    Path repo = Path.of(System.getProperty("llm.repo.dir", "..")).toAbsolutePath().normalize();
    String python =
        Stream.of("/usr/bin/python3", "/usr/local/bin/python3")
            .filter(p -> Files.isExecutable(Path.of(p)))
            .findFirst()
            .orElse(null);
    assumeTrue(python != null, "no python3: e2e-tests/bench/test_bench.py not run");

    Path log = Files.createDirectories(repo.resolve("e2e-tests/target")).resolve("bench-tests.log");
    ProcessBuilder builder =
        new ProcessBuilder(python, "-m", "unittest", "-v", "test_bench")
            .directory(repo.resolve("e2e-tests/bench").toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    Process process = builder.start();
    boolean ended = process.waitFor(3, TimeUnit.MINUTES);
    if (!ended) {
      process.destroyForcibly().waitFor();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);

    assertThat(ended).as("ended within 3 minutes:%n%s", output).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).containsPattern("Ran \\d+ tests").contains("\nOK");
  }
}
