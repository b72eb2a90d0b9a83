package org.llmplatform.inference.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark (run by {@code bench/graph-step.sh}; not a test): the bare ONNX Runtime cost of one
 * decode step (or one prefill) of exported graphs — for comparing two exports of the same weights.
 * One session per model (the engine's options: all graph optimizations, no memory pattern, sleeping
 * intra-op threads), inputs of a batch of {@code rows} sequences of {@code seq} new tokens (1: a
 * decode step) on {@code past} cached positions (zero KV), outputs left to ONNX Runtime. Rounds run
 * the models one after another, so drift of a shared machine hits each; the table gives the median
 * over rounds of each model's median step time.
 *
 * <p>Arguments: past length, new tokens per row, batch sizes (e.g. 1,16), rounds, steps per round,
 * model dirs (Hugging Face layout).
 */
public final class GraphStepBenchmark {

  public static void main(String[] args) throws Exception {
    int past = Integer.parseInt(args[0]);
    int seq = Integer.parseInt(args[1]);
    int[] batches = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
    int rounds = Integer.parseInt(args[3]);
    int steps = Integer.parseInt(args[4]);
    List<Path> models = Arrays.stream(args, 5, args.length).map(Path::of).toList();
    var env = OrtEnvironment.getEnvironment();
    Map<String, List<Double>> micros = new HashMap<>();
    for (int r = 0; r < rounds; r++) {
      for (Path model : models) {
        try (var options = new OrtSession.SessionOptions()) {
          options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
          options.setMemoryPatternOptimization(false);
          options.addConfigEntry("session.intra_op.allow_spinning", "0");
          try (var session =
              env.createSession(model.resolve("onnx/model.onnx").toString(), options)) {
            for (int rows : batches) {
              double us = medianStepMicros(env, session, rows, seq, past, steps);
              micros.computeIfAbsent(model + " " + rows, k -> new ArrayList<>()).add(us);
            }
          }
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%n%d new tokens per row on %d past positions, median of %d rounds of %d runs%n%n| model"
            + " | batch rows | run µs | tokens/s |%n|---|---:|---:|---:|%n",
        seq,
        past,
        rounds,
        steps);
    for (Path model : models) {
      for (int rows : batches) {
        double us = median(micros.get(model + " " + rows));
        System.out.printf(
            Locale.ROOT, "| %s | %d | %.0f | %.1f |%n", model, rows, us, rows * seq * 1e6 / us);
      }
    }
  }

  static double medianStepMicros(
      OrtEnvironment env, OrtSession session, int rows, int seq, int past, int steps)
      throws Exception {
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      long[] ids = new long[rows * seq];
      Arrays.fill(ids, 5);
      long[] rowsBySeq = {rows, seq};
      inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), rowsBySeq));
      long[] mask = new long[rows * (past + seq)];
      Arrays.fill(mask, 1);
      inputs.put(
          "attention_mask",
          OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {rows, past + seq}));
      if (session.getInputNames().contains("position_ids")) {
        long[] positions = new long[rows * seq];
        for (int i = 0; i < positions.length; i++) {
          positions[i] = past + i % seq;
        }
        inputs.put(
            "position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(positions), rowsBySeq));
      }
      for (var e : session.getInputInfo().entrySet()) {
        if (e.getKey().startsWith("past_key_values.")) {
          long[] shape = ((TensorInfo) e.getValue().getInfo()).getShape();
          long[] concrete = {rows, shape[1], past, shape[3]};
          var buffer =
              ByteBuffer.allocateDirect(Math.toIntExact(rows * shape[1] * past * shape[3] * 4))
                  .order(ByteOrder.nativeOrder())
                  .asFloatBuffer();
          inputs.put(e.getKey(), OnnxTensor.createTensor(env, buffer, concrete));
        }
      }
      for (int i = 0; i < 10; i++) {
        session.run(inputs).close();
      }
      List<Double> times = new ArrayList<>();
      for (int i = 0; i < steps; i++) {
        long t0 = System.nanoTime();
        session.run(inputs).close();
        times.add((System.nanoTime() - t0) / 1e3);
      }
      return median(times);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted[sorted.length / 2];
  }
}
