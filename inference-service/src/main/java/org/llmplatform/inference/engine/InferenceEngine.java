package org.llmplatform.inference.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.llmplatform.inference.kvcache.KvBudget;
import org.llmplatform.inference.kvcache.KvCache;
import org.llmplatform.inference.kvcache.KvCache.KvRow;
import org.llmplatform.inference.runtime.ModelSpec;
import org.llmplatform.inference.sampling.InvalidParameterException;
import org.llmplatform.inference.scheduler.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine loop on its own thread: {@code schedule()} admits waiting requests and prefills them
 * one after another (a long prompt in chunks of {@link EngineSettings#prefillChunk()} tokens, one
 * chunk per iteration, so running streams keep their pace), joining each to the batch when its
 * prompt is in; {@code execute()} runs one batched decode step for every running row; {@code
 * update()} hands each request its logits, emits tokens and retires finished requests so their
 * slots free up before the next step. Sequences join and leave between steps.
 */
public final class InferenceEngine implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(InferenceEngine.class);

  private final ModelExecutor executor;
  private final ModelSpec spec;
  private final EngineSettings settings;
  private final EngineMetrics metrics;
  private final Scheduler<GenerationRequest> scheduler;
  private final KvBudget budget;
  private final PrefixReuse prefixReuse; // null when off
  private final int prefillChunk; // 0: whole prompts
  private final List<ActiveRequest> active = new ArrayList<>();
  // admitted, their prompts going into the prefill cache in order (only the head is partly in)
  private final ArrayDeque<ActiveRequest> prefilling = new ArrayDeque<>();
  private final float[][] logits;
  // per batch row, reused from step to step: the token fed, its position, valid KV tokens
  private final int[] stepTokens;
  private final int[] stepPositions;
  private final int[] stepKvLengths;
  private final CountDownLatch ready = new CountDownLatch(1);
  private volatile boolean running = true;
  private volatile boolean warmedUp;
  private volatile int runningCount;
  private volatile int batchRows;
  private volatile int slotsInUse;
  private Thread thread;

  public InferenceEngine(ModelExecutor executor, EngineSettings settings, EngineMetrics metrics) {
    this.executor = executor;
    this.spec = executor.spec();
    this.settings = settings;
    this.metrics = metrics;
    this.scheduler = new Scheduler<>(settings.maxQueue());
    this.budget =
        new KvBudget(settings.kvCacheBytes(), spec.kvBytesPerSlot(), settings.maxBatchSize());
    this.logits = new float[budget.slots()][spec.vocabSize()];
    this.stepTokens = new int[budget.slots()];
    this.stepPositions = new int[budget.slots()];
    this.stepKvLengths = new int[budget.slots()];
    boolean chunks = ChunkedPrefillProbe.chunksOnTopOfPast(executor);
    this.prefixReuse = chunks ? PrefixReuse.of(executor, settings, metrics) : null;
    this.prefillChunk = chunks ? settings.prefillChunk() : 0;
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
   * Queues a request. Throws {@link InvalidParameterException} for ids outside the vocabulary or a
   * prompt + max_new_tokens beyond the context, {@link
   * org.llmplatform.inference.scheduler.OverloadedException} when the queue is full. Any thread.
   */
  public void submit(GenerationRequest request) {
    if (!running) {
      throw new IllegalStateException("the engine is stopped (warm-up failed or closed)");
    }
    validateChoices(request);
    validate(request.promptIdsShared(), request.params().maxNewTokens(), request.rows());
    scheduler.submit(request);
  }

  /**
   * n in [1, max-choices], not with beam search (a beam search gives one sequence; n beam searches
   * of one prompt would all give the same), and within the KV slots.
   */
  private void validateChoices(GenerationRequest request) {
    int n = request.choices();
    if (n > settings.maxChoices()) {
      throw new InvalidParameterException(
          "n", "n must be in [1, %d], got %d".formatted(settings.maxChoices(), n));
    }
    if (n > 1 && request.params().numBeams() > 1) {
      throw new InvalidParameterException(
          "n", "n > 1 cannot be combined with num_beams > 1: beam search gives one sequence");
    }
    if (n > budget.slots()) {
      throw new InvalidParameterException(
          "n", "n (%d) exceeds the %d KV slots".formatted(n, budget.slots()));
    }
  }

  /** Checks a prompt against the model. */
  public void validate(int[] promptIds, int maxNewTokens, int rows) {
    if (promptIds.length == 0) {
      throw new InvalidParameterException("input_ids", "input_ids must not be empty");
    }
    for (int id : promptIds) {
      if (id < 0 || id >= spec.vocabSize()) {
        throw new InvalidParameterException(
            "input_ids",
            "input_ids holds " + id + ", outside the vocabulary [0, " + spec.vocabSize() + ")");
      }
    }
    if ((long) promptIds.length + maxNewTokens > spec.contextLength()) {
      throw new InvalidParameterException(
          "max_new_tokens",
          "prompt (%d tokens) + max_new_tokens (%d) exceeds the context length %d"
              .formatted(promptIds.length, maxNewTokens, spec.contextLength()));
    }
    if (rows > budget.slots()) {
      throw new InvalidParameterException(
          "num_beams", "num_beams exceeds the " + budget.slots() + " KV slots");
    }
  }

  /**
   * Cancels a request, all its choices: a waiting one ends now, a running one within one decode
   * step. Any thread.
   */
  public void cancel(GenerationRequest request) {
    request.markCancelRequested();
    if (scheduler.remove(request)) {
      endWaitingCancelled(request);
    }
  }

  private void run() {
    try {
      warmUp();
      warmedUp = true;
    } catch (Exception e) {
      log.error("Warm-up failed: the engine does not serve", e);
      running = false;
    } finally {
      ready.countDown();
    }
    while (running) {
      try {
        if (active.isEmpty() && prefilling.isEmpty()) {
          scheduler.awaitWork(100, TimeUnit.MILLISECONDS);
        }
        schedule();
        if (!active.isEmpty()) {
          execute();
        }
        publishGauges();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException | Error e) {
        log.error("Engine step failed; ending the running requests", e);
        failAll(e);
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
  }

  /**
   * Admits waiting requests while slots and batch rows are free, then prefills admitted prompts in
   * order, at most {@code prefillChunk} tokens in this iteration (all of them when 0); a prompt
   * whose last chunk ran joins the batch.
   */
  private void schedule() {
    int reserved = 0;
    for (ActiveRequest a : prefilling) {
      reserved += a.request.rows();
    }
    int free = settings.maxBatchSize() - executor.batchCache().rows() - reserved;
    for (GenerationRequest request : scheduler.admit(budget, free, this::endWaitingCancelled)) {
      metrics.admitted(System.nanoTime() - request.submittedNanos);
      request.transition(RequestState.WAITING, RequestState.PREFILLING);
      // one entry per request: choice 0 prefills, the others fork from it when it joins
      prefilling.add(new ActiveRequest(request, 0, spec.contextLength(), metrics));
    }
    long tokens = prefillChunk > 0 ? prefillChunk : Long.MAX_VALUE;
    while (!prefilling.isEmpty() && tokens > 0) {
      ActiveRequest a = prefilling.peek();
      GenerationRequest request = a.request;
      if (request.cancelRequested()) {
        prefilling.poll();
        retireUnjoined(a, FinishReason.CANCELLED, null);
        continue;
      }
      if (a.prefilled == 0 && prefixReuse != null) {
        a.prefilled = prefixReuse.load(request.promptIdsShared());
      }
      int to = a.prefilled + (int) Math.min(request.promptLength() - a.prefilled, tokens);
      try {
        executor.prefillChunk(request.promptIdsShared(), a.prefilled, to, logits[0]);
      } catch (Exception e) {
        prefilling.poll();
        log.warn("Prefill failed for a request of {} tokens", request.promptLength(), e);
        retireUnjoined(a, FinishReason.ERROR, "prefill failed: " + e.getMessage());
        continue;
      }
      tokens -= to - a.prefilled;
      a.prefilled = to;
      if (to < request.promptLength()) {
        return; // the rest in later iterations, after decode steps
      }
      prefilling.poll();
      join(a);
    }
  }

  /**
   * After the prompt's last chunk: each choice takes its first token from the prompt's logits, then
   * the prompt's KV joins the batch once per row. A request of n choices forks here: its one
   * prefilled row is copied into n batch rows, which decode on their own from then on.
   */
  private void join(ActiveRequest lead) {
    GenerationRequest request = lead.request;
    List<ActiveRequest> choices = fork(lead);
    List<ActiveRequest> pending = new ArrayList<>(choices); // not retired yet
    List<ActiveRequest> joining = new ArrayList<>();
    try {
      // the prompt's logits are in row 0; a choice's logits processors overwrite its row
      for (int i = 1; i < choices.size(); i++) {
        System.arraycopy(logits[0], 0, logits[i], 0, logits[0].length);
      }
      List<KvRow> layout = currentLayout();
      for (int i = 0; i < choices.size(); i++) {
        ActiveRequest a = choices.get(i);
        int[] parents = a.advance(logits, i, 1, request.promptLength());
        if (a.finish != null) {
          if (prefixReuse != null) {
            prefixReuse.keep(a, executor.prefillCache(), 0);
          }
          pending.remove(a);
          retire(a, null);
          continue;
        }
        joining.add(a);
        for (int ignored : parents) {
          layout.add(new KvRow(executor.prefillCache(), 0, request.promptLength()));
        }
      }
      if (joining.isEmpty()) {
        return;
      }
      executor.batchCache().gather(layout);
      active.addAll(joining);
      request.transition(RequestState.PREFILLING, RequestState.DECODING);
      renumber();
    } catch (RuntimeException e) {
      log.warn("Joining a request of {} tokens failed", request.promptLength(), e);
      for (ActiveRequest a : pending) {
        a.finish = FinishReason.ERROR;
        retire(a, "prefill failed: " + e.getMessage());
      }
    }
  }

  /** A request's choices: choice 0, which ran the prefill, and choices 1 to n - 1. */
  private List<ActiveRequest> fork(ActiveRequest lead) {
    List<ActiveRequest> choices = new ArrayList<>(List.of(lead));
    for (int i = 1; i < lead.request.choices(); i++) {
      choices.add(new ActiveRequest(lead.request, i, spec.contextLength(), metrics));
    }
    return choices;
  }

  /** Ends every choice of a request that never joined the batch. */
  private void retireUnjoined(ActiveRequest lead, FinishReason reason, String error) {
    for (ActiveRequest a : fork(lead)) {
      a.finish = reason;
      retire(a, error);
    }
  }

  /** One batched decode step, then the update of every request and the new batch layout. */
  private void execute() {
    KvCache batch = executor.batchCache();
    int rows = batch.rows();
    for (ActiveRequest a : active) {
      for (int r = 0; r < a.rows(); r++) {
        stepTokens[a.rowOffset + r] = a.lastTokens[r];
        stepPositions[a.rowOffset + r] = a.kvLength;
        stepKvLengths[a.rowOffset + r] = a.kvLength;
      }
    }
    try {
      executor.decode(stepTokens, stepPositions, stepKvLengths, logits);
    } catch (Exception e) {
      log.warn("Decode step of {} rows failed", rows, e);
      failAll(e);
      return;
    }
    update(batch);
  }

  private void update(KvCache batch) {
    List<KvRow> layout = new ArrayList<>();
    boolean identity = true;
    List<ActiveRequest> done = new ArrayList<>();
    int[] rowsBefore = new int[active.size()];
    int[][] advanced = new int[active.size()][];
    // those that need not wait first: a constrained sequence may wait for its mask's worker
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 0; i < active.size(); i++) {
        ActiveRequest a = active.get(i);
        if (advanced[i] == null && (pass == 1 || a.readyToAdvance())) {
          rowsBefore[i] = a.rows();
          advanced[i] = a.advance(logits, a.rowOffset, rowsBefore[i], a.kvLength + 1);
        }
      }
    }
    for (int i = 0; i < active.size(); i++) {
      ActiveRequest a = active.get(i);
      int before = rowsBefore[i];
      int[] parents = advanced[i];
      if (a.finish != null) {
        done.add(a);
        identity = false;
        continue;
      }
      if (parents.length != before) {
        identity = false;
      }
      for (int p = 0; p < parents.length; p++) {
        int source = a.rowOffset + parents[p];
        if (source != layout.size()) {
          identity = false;
        }
        layout.add(new KvRow(batch, source, a.kvLength));
      }
    }
    active.removeAll(done);
    for (ActiveRequest a : done) {
      if (prefixReuse != null) {
        prefixReuse.keep(a, batch, a.rowOffset);
      }
      retire(a, null);
    }
    if (!identity) {
      batch.gather(layout);
      renumber();
    }
  }

  private List<KvRow> currentLayout() {
    List<KvRow> layout = new ArrayList<>();
    for (ActiveRequest a : active) {
      for (int r = 0; r < a.rows(); r++) {
        layout.add(new KvRow(executor.batchCache(), a.rowOffset + r, a.kvLength));
      }
    }
    return layout;
  }

  private void renumber() {
    int offset = 0;
    for (ActiveRequest a : active) {
      a.rowOffset = offset;
      offset += a.rows();
    }
  }

  /**
   * Ends one choice (the request's only one, or one of its n) and frees its slots; the request
   * ends, and is counted in the metrics once, with its last choice.
   */
  private void retire(ActiveRequest a, String error) {
    budget.release(a.request.rowsPerChoice());
    GenerationRequest r = a.request;
    RequestState terminal =
        switch (a.finish) {
          case CANCELLED -> RequestState.CANCELLED;
          case ERROR -> RequestState.FAILED;
          default -> RequestState.FINISHED;
        };
    if (r.choiceEnded(terminal, a.generated)) {
      metrics.finished(
          System.nanoTime() - r.submittedNanos, r.promptLength(), r.choicesGenerated());
    }
    r.listener()
        .onFinish(
            a.choice, a.finish, r.promptLength(), a.generated, error != null ? error : a.error);
  }

  private void endWaitingCancelled(GenerationRequest request) {
    request.finish(RequestState.CANCELLED);
    for (int choice = 0; choice < request.choices(); choice++) {
      request.listener().onFinish(choice, FinishReason.CANCELLED, request.promptLength(), 0, null);
    }
  }

  private void failAll(Throwable e) {
    for (ActiveRequest a : active) {
      a.finish = FinishReason.ERROR;
      try {
        retire(a, "decode failed: " + e.getMessage());
      } catch (RuntimeException ignored) {
        // keep failing the others
      }
    }
    active.clear();
    executor.batchCache().clear();
  }

  private void publishGauges() {
    runningCount = active.size() + prefilling.size();
    batchRows = executor.batchCache().rows();
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
    return scheduler.waiting();
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

  @Override
  public void close() {
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
