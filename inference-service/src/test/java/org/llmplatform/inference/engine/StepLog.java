package org.llmplatform.inference.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.llmplatform.inference.kvcache.KvCache;
import org.llmplatform.inference.naive.NaiveModelExecutor;
import org.llmplatform.inference.runtime.ModelSpec;

/** The naive executor, logging each model call: "P from-to" per prefill chunk, "D rows". */
final class StepLog implements ModelExecutor {
  final NaiveModelExecutor naive;
  final List<String> calls = new CopyOnWriteArrayList<>();

  /** Runs on the engine thread after each logged call, with its entry: a test's exact moment. */
  volatile Consumer<String> afterCall = call -> {};

  StepLog(Path model) throws Exception {
    this.naive = NaiveModelExecutor.open(model);
  }

  @Override
  public ModelSpec spec() {
    return naive.spec();
  }

  @Override
  public String device() {
    return naive.device();
  }

  @Override
  public KvCache batchCache() {
    return naive.batchCache();
  }

  @Override
  public KvCache prefillCache() {
    return naive.prefillCache();
  }

  @Override
  public boolean prefillsInChunks() {
    return true;
  }

  @Override
  public KvCache newKvCache() {
    return naive.newKvCache();
  }

  @Override
  public void prefill(int[] promptIds, float[] lastLogits) {
    naive.prefill(promptIds, lastLogits);
  }

  @Override
  public void prefillChunk(int[] promptIds, int from, int to, float[] lastLogits) {
    calls.add("P " + from + "-" + to);
    naive.prefillChunk(promptIds, from, to, lastLogits);
    afterCall.accept("P " + from + "-" + to);
  }

  @Override
  public void decode(int[] tokens, int[] positions, int[] kvLengths, float[][] logits) {
    calls.add("D " + naive.batchCache().rows());
    naive.decode(tokens, positions, kvLengths, logits);
  }

  @Override
  public void close() {}
}
