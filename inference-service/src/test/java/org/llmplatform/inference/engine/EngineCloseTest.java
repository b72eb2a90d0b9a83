package org.llmplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;

/**
 * An engine closed twice (a test closes it, then its Spring context does at shutdown) closes its
 * executor once: its native KV memory and memory info are released once, not freed again (which
 * crashed the test JVM at exit).
 */
class EngineCloseTest {

  @Test
  void closingTwiceClosesTheExecutorOnce() throws Exception {
    Path model = Path.of(System.getProperty("llm.repo.dir", ".."), "test-models", "tiny-llama-mha");
    var memory = PoisonedKvMemory.create();
    var engine =
        new InferenceEngine(
            new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults()), memory),
            new EngineSettings(2, 8, 1L << 30),
            EngineMetrics.NONE);
    engine.start();
    assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
    engine.close();
    engine.close();
    assertThat(memory.closes()).isEqualTo(1);
  }
}
