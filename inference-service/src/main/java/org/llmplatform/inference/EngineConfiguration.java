package org.llmplatform.inference;

import ai.onnxruntime.OrtException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.llmplatform.inference.engine.EngineMetrics;
import org.llmplatform.inference.engine.EngineSettings;
import org.llmplatform.inference.engine.InferenceEngine;
import org.llmplatform.inference.engine.IoBindingModelExecutor;
import org.llmplatform.inference.engine.OnnxModelExecutor;
import org.llmplatform.inference.kvevents.KvEventPublisher;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.Device;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Loads the model, starts the engine and waits for its warm-up step before the service takes
 * traffic; the engine's prefix cache tells the KV-cache event stream which blocks it holds.
 */
@Configuration(proxyBeanMethods = false)
class EngineConfiguration {

  /** How often the prefix cache's block changes go out to the event stream's readers. */
  private static final Duration KV_EVENTS_EVERY = Duration.ofMillis(100);

  @Bean
  KvEventPublisher kvEventPublisher() {
    return new KvEventPublisher(KV_EVENTS_EVERY);
  }

  @Bean(destroyMethod = "close")
  InferenceEngine inferenceEngine(
      InferenceProperties properties, EngineMetrics metrics, KvEventPublisher kvEvents)
      throws InterruptedException, OrtException {
    var inference = properties.inference();
    var options =
        new RuntimeOptions(
            Device.parse(inference.device()),
            inference.intraOpThreads(),
            inference.interOpThreads(),
            inference.optimizationLevel(),
            inference.allowSpinning());
    var session = DecoderSession.open(Path.of(properties.model().dir()), options);
    var engine =
        new InferenceEngine(
            "iobinding".equals(inference.kvBinding())
                ? new IoBindingModelExecutor(session)
                : new OnnxModelExecutor(session),
            new EngineSettings(
                inference.maxBatchSize(),
                inference.maxQueue(),
                inference.kvCacheBytes().toBytes(),
                inference.prefillChunk(),
                inference.prefixCacheBytes().toBytes(),
                inference.maxChoices()),
            metrics,
            kvEvents);
    engine.start();
    if (!engine.awaitReady(5, TimeUnit.MINUTES)) {
      engine.close();
      throw new IllegalStateException("the engine's warm-up step failed; see the log");
    }
    return engine;
  }
}
