package org.llmplatform.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.llmplatform.inference.engine.EngineSettings;
import org.llmplatform.inference.engine.FinishReason;
import org.llmplatform.inference.engine.GenerationListener;
import org.llmplatform.inference.engine.GenerationRequest;
import org.llmplatform.inference.engine.InferenceEngine;
import org.llmplatform.inference.engine.OnnxModelExecutor;
import org.llmplatform.inference.runtime.DecoderSession;
import org.llmplatform.inference.runtime.RuntimeOptions;
import org.llmplatform.inference.sampling.SamplingParams;
import org.llmplatform.inference.sampling.TokenChoice;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The engine gauges read the engine's numbers while requests run and after many requests and a
 * garbage collection, on the checked-in tiny-llama-mha. Spring hands the metrics a fresh {@link
 * ObjectProvider} that nothing else keeps, as the test does: a gauge that held it weakly read NaN
 * once it was collected.
 */
class PrometheusEngineMetricsTest {

  /** The four gauges at one moment. */
  record Reading(double running, double waiting, double batchSize, double kvSlotsInUse) {}

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void theGaugesReadTheEngineWhileRequestsRunAndAfterManyRequestsAndAGc() throws Exception {
    AtomicReference<InferenceEngine> engineRef = new AtomicReference<>();
    var metrics = new PrometheusEngineMetrics(registry, providerOf(engineRef));
    Path model = Path.of(System.getProperty("llm.repo.dir", ".."), "test-models", "tiny-llama-mha");
    try (var engine =
        new InferenceEngine(
            new OnnxModelExecutor(DecoderSession.open(model, RuntimeOptions.cpuDefaults())),
            new EngineSettings(4, 8, 1L << 30, 64, 0),
            metrics)) {
      engineRef.set(engine);
      // three requests, queued before the loop starts so that one iteration admits them all; the
      // first holds the engine thread at its third token, two decode steps after they joined
      var held = new HoldingListener(3);
      List<CompletableFuture<FinishReason>> finished = new ArrayList<>();
      finished.add(held.finish);
      engine.submit(request(8, held));
      for (int i = 0; i < 2; i++) {
        var l = new HoldingListener(Integer.MAX_VALUE);
        finished.add(l.finish);
        engine.submit(request(8, l));
      }
      engine.start();
      assertThat(engine.awaitReady(60, TimeUnit.SECONDS)).isTrue();
      assertThat(held.reached.await(60, TimeUnit.SECONDS)).isTrue();

      assertThat(read()).isEqualTo(new Reading(3, 0, 3, 3));
      collectGarbage();
      assertThat(read()).as("while running, after a GC").isEqualTo(new Reading(3, 0, 3, 3));

      held.release.countDown();
      for (int i = 0; i < 100; i++) {
        var l = new HoldingListener(Integer.MAX_VALUE);
        finished.add(l.finish);
        engine.submit(request(4, l));
        if (finished.size() > 6) {
          finished.get(finished.size() - 6).get(60, TimeUnit.SECONDS);
        }
      }
      for (var f : finished) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(FinishReason.LENGTH);
      }
      collectGarbage();
      awaitIdle(engine);
      assertThat(read()).as("after 103 requests and a GC").isEqualTo(new Reading(0, 0, 0, 0));
    }
  }

  @Test
  void theGaugesReadZeroBeforeTheEngineExists() {
    new PrometheusEngineMetrics(registry, providerOf(new AtomicReference<>()));
    collectGarbage();
    assertThat(read()).isEqualTo(new Reading(0, 0, 0, 0));
  }

  /** A provider as Spring injects one: a new object, kept by nobody but the metrics. */
  private static ObjectProvider<InferenceEngine> providerOf(AtomicReference<InferenceEngine> ref) {
    return new ObjectProvider<>() {
      @Override
      public InferenceEngine getObject() {
        return ref.get();
      }

      @Override
      public InferenceEngine getIfAvailable() {
        return ref.get();
      }
    };
  }

  private Reading read() {
    return new Reading(
        gauge("llm.num_requests_running"),
        gauge("llm.num_requests_waiting"),
        gauge("llm.batch_size"),
        gauge("llm.kv_slots_in_use"));
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  private static SamplingParams greedy(int maxNew) {
    return SamplingParams.greedy(maxNew, Set.of());
  }

  private static GenerationRequest request(int maxNew, GenerationListener listener) {
    return new GenerationRequest(new int[] {5}, greedy(maxNew), listener);
  }

  /** Runs the collector until a weakly held object is gone, i.e. a GC has run. */
  static void collectGarbage() {
    var sentinel = new WeakReference<>(new Object());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sentinel.get() != null && System.nanoTime() < deadline) {
      System.gc();
    }
    assertThat(sentinel.get()).as("a GC ran").isNull();
  }

  private static void awaitIdle(InferenceEngine engine) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((engine.runningRequests() > 0 || engine.kvSlotsInUse() > 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  /** Holds the engine thread at its n-th token until released. */
  static final class HoldingListener implements GenerationListener {
    final int holdAt;
    final CountDownLatch reached = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final CompletableFuture<FinishReason> finish = new CompletableFuture<>();
    int tokens;

    HoldingListener(int holdAt) {
      this.holdAt = holdAt;
    }

    @Override
    public void onToken(TokenChoice token) {
      if (++tokens == holdAt) {
        reached.countDown();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void onFinish(
        FinishReason reason, int promptTokens, int completionTokens, String error) {
      finish.complete(reason);
    }
  }
}
