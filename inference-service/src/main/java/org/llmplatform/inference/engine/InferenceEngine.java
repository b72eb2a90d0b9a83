package org.llmplatform.inference.engine;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.llmplatform.inference.kvcache.KvBudget;
import org.llmplatform.inference.kvcache.KvCache.KvRow;
import org.llmplatform.inference.kvcache.PrefixBlockListener;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.inference.scheduler.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine: lifecycle, the request API and the loop on its own thread, one model call per step.
 *
 * <ol>
 *   <li>{@link StepScheduler#next()} decides what the step runs, a {@link StepPlan} (a prefill
 *       chunk, the decode step of the batch, or nothing), admitting waiting requests; it calls no
 *       model;
 *   <li>{@link #execute} runs the plan's model call on the {@link ModelExecutor};
 *   <li>{@link StepUpdate#apply} takes the logits: a prompt whose last chunk ran takes its first
 *       tokens and joins the batch, decoding sequences take their next tokens, ended ones retire so
 *       their slots free up.
 * </ol>
 *
 * Each sequence's {@link RequestState} says what it is doing; {@link BatchLayout} where its rows
 * are; {@link InFlight} which are admitted and not ended.
 */
public final class InferenceEngine implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(InferenceEngine.class);

  private final ModelExecutor executor;
  private final ModelSpec spec;
  private final EngineSettings settings;
  private final EngineMetrics metrics;
  private final Scheduler<GenerationRequest> waiting;
  private final KvBudget budget;
  private final RequestValidation validation;
  private final PrefixReuse prefixReuse; // null when off
  private final InFlight inFlight;
  private final BatchLayout batch;
  private final StepScheduler scheduler;
  private final StepUpdate update;
  private final float[][] logits; // [slots][vocab]: row 0 the prefill's, else one per batch row
  private final int[] stepTokens; // per batch row: the token fed, its position, valid KV tokens
  private final int[] stepPositions;
  private final int[] stepKvLengths;
  private final CountDownLatch ready = new CountDownLatch(1);
  private volatile boolean running = true;
  private volatile boolean warmedUp;
  private volatile int runningCount;
  private volatile int batchRows;
  private volatile int slotsInUse;
  private Thread thread;
  private final AtomicBoolean closed = new AtomicBoolean();

  public InferenceEngine(ModelExecutor executor, EngineSettings settings, EngineMetrics metrics) {
    this(executor, settings, metrics, PrefixBlockListener.NONE);
  }

  /**
   * @param prefixBlocks told, on the engine thread, of each prefix block its prefix cache starts or
   *     stops holding (the KV-cache events the gateway routes on)
   */
  public InferenceEngine(
      ModelExecutor executor,
      EngineSettings settings,
      EngineMetrics metrics,
      PrefixBlockListener prefixBlocks) {
    this.executor = executor;
    this.spec = executor.spec();
    this.settings = settings;
    this.metrics = metrics;
    this.waiting = new Scheduler<>(settings.maxQueue());
    this.budget =
        new KvBudget(settings.kvCacheBytes(), spec.kvBytesPerSlot(), settings.maxBatchSize());
    this.validation = new RequestValidation(spec, settings, budget);
    this.inFlight = new InFlight(budget, metrics, spec.contextLength());
    this.batch = new BatchLayout(executor.batchCache());
    this.logits = new float[budget.slots()][spec.vocabSize()];
    this.stepTokens = new int[budget.slots()];
    this.stepPositions = new int[budget.slots()];
    this.stepKvLengths = new int[budget.slots()];
    boolean chunks = ChunkedPrefillProbe.chunksOnTopOfPast(executor);
    this.prefixReuse = chunks ? PrefixReuse.of(executor, settings, metrics, prefixBlocks) : null;
    int prefillChunk = chunks ? settings.prefillChunk() : 0;
    this.scheduler =
        new StepScheduler(
            waiting, inFlight, batch, prefixReuse, settings.maxBatchSize(), prefillChunk);
    this.update = new StepUpdate(batch, inFlight, executor.prefillCache(), prefixReuse);
    if (prefillChunk != settings.prefillChunk()) {
      log.warn(
          "{} on this model prefills whole prompts only: prefill-chunk {} is not used",
          executor.getClass().getSimpleName(),
          settings.prefillChunk());
    }
    log.info(
        "Engine: max batch {}, {} KV slots of {} bytes, queue {}, prefill chunk {}, prefix cache {} bytes",
        settings.maxBatchSize(),
        budget.slots(),
        spec.kvBytesPerSlot(),
        settings.maxQueue(),
        prefillChunk,
        prefixReuse == null ? 0 : settings.prefixCacheBytes());
  }

  /** Starts the engine thread: a warm-up step, then the loop. */
  public synchronized void start() {
    if (thread == null) {
      thread = Thread.ofPlatform().name("llm-engine").daemon().start(this::run);
    }
  }

  /** Waits until the warm-up step has run; true when it did. */
  public boolean awaitReady(long timeout, TimeUnit unit) throws InterruptedException {
    return ready.await(timeout, unit) && warmedUp;
  }

  public boolean isReady() {
    return warmedUp;
  }

  /**
   * Queues a request. Throws {@link org.llmplatform.inference.sampling.InvalidParameterException}
   * for ids outside the vocabulary, a prompt + max_new_tokens beyond the context or choices beyond
   * the limits, {@link org.llmplatform.inference.scheduler.OverloadedException} when the queue is
   * full. Any thread.
   */
  public void submit(GenerationRequest request) {
    if (!running) {
      throw new IllegalStateException("the engine is stopped (warm-up failed or closed)");
    }
    validation.check(request);
    waiting.submit(request);
  }

  /** Checks a prompt against the model. */
  public void validate(int[] promptIds, int maxNewTokens, int rows) {
    validation.checkPrompt(promptIds, maxNewTokens, rows);
  }

  /**
   * Cancels a request, all its choices: a waiting one ends now, a running one within one step. Any
   * thread.
   */
  public void cancel(GenerationRequest request) {
    request.markCancelRequested();
    if (waiting.remove(request)) {
      InFlight.endWaitingCancelled(request);
    }
  }

  private void run() {
    try {
      warmUp();
      warmedUp = true;
    } catch (Exception e) {
      log.error(
          "Warm-up failed: the engine does not serve{}",
          spec.sharedKvBuffer()
              ? " (the model's config declares past_present_share_buffer: its attention must write"
                  + " each step's keys and values into the past at each row's length, as ONNX"
                  + " Runtime's GroupQueryAttention does, not return a present longer than the past)"
              : "",
          e);
      running = false;
    } finally {
      ready.countDown();
    }
    while (running) {
      try {
        StepPlan plan = scheduler.next();
        Exception failure = execute(plan);
        update.apply(plan, logits, failure);
        publishGauges();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException | Error e) {
        log.error("Engine step failed; ending the running requests", e);
        update.failBatch(e);
      }
    }
  }

  private void warmUp() throws Exception {
    int token = spec.bosId() != null ? spec.bosId() : 0;
    float[] row = new float[spec.vocabSize()];
    executor.prefill(new int[] {token}, row);
    executor.batchCache().gather(List.of(new KvRow(executor.prefillCache(), 0, 1)));
    executor.decode(new int[] {token}, new int[] {1}, new int[] {1}, new float[][] {row});
    executor.batchCache().clear();
    executor.batchCache().reserve(budget.slots());
    executor.prefillCache().reserve(1);
  }

  /**
   * Runs the plan's model call: the prefill chunk into the prefill cache and logits row 0, or the
   * decode step into one logits row per batch row; an idle step waits for work.
   *
   * @return why the model call failed, or null
   */
  private Exception execute(StepPlan plan) throws InterruptedException {
    try {
      switch (plan) {
        case StepPlan.Prefill p -> {
          if (p.prefix() != null) {
            prefixReuse.load(p.prefix());
          }
          executor.prefillChunk(p.request().request.promptIdsShared(), p.from(), p.to(), logits[0]);
        }
        case StepPlan.Decode d -> {
          batch.stepInputs(stepTokens, stepPositions, stepKvLengths);
          executor.decode(stepTokens, stepPositions, stepKvLengths, logits);
        }
        case StepPlan.Idle i -> {
          if (inFlight.isEmpty()) {
            waiting.awaitWork(100, TimeUnit.MILLISECONDS);
          }
        }
      }
      return null;
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      return e;
    }
  }

  private void publishGauges() {
    runningCount = inFlight.size();
    batchRows = batch.rows();
    slotsInUse = budget.inUse();
  }

  public ModelSpec spec() {
    return spec;
  }

  public String device() {
    return executor.device();
  }

  public int runningRequests() {
    return runningCount;
  }

  public int waitingRequests() {
    return waiting.waiting();
  }

  public int batchSize() {
    return batchRows;
  }

  public int kvSlotsInUse() {
    return slotsInUse;
  }

  public int kvSlots() {
    return budget.slots();
  }

  /**
   * Stops the engine thread and closes the executor, once: a second call (a test that closed the
   * engine, then its Spring context at shutdown) does nothing, so no native memory is freed twice.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    running = false;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (prefixReuse != null) {
      prefixReuse.close();
    }
    executor.close();
  }
}
