#!/usr/bin/env bash
# Engine benchmark: KV-cache decode at batch 1, aggregate throughput at 1/4/16/64 concurrent requests,
# TTFT p50/p99, and the naive no-KV-cache baseline, in one run. Prints a markdown table.
#   inference-service/bench/run-benchmark.sh [MODEL_DIR...]
# Defaults: ../shared/models/stories260K and build-models/bench-30m (when present).
# Env: NEW_TOKENS (256), PROMPT_TOKENS (16), LEVELS (1,4,16,64), THREADS (intra-op threads, 0 = ORT default),
# ROUNDS (1: the levels run this many times interleaved; each level reports its median round),
# SPIN (false: ONNX Runtime's intra-op threads sleep when idle; true: they spin, ORT's own default).
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
source inference-service/bench/classpath.sh
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=(../shared/models/stories260K)
  [ -f build-models/bench-30m/onnx/model.onnx ] && models+=(build-models/bench-30m)
fi
for m in "${models[@]}"; do
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx4g -Dllm.bench.threads="${THREADS:-0}" -Dllm.bench.rounds="${ROUNDS:-1}" -Dllm.bench.spin="${SPIN:-false}" \
    -cp "$CP" org.llmplatform.inference.engine.EngineBenchmark "$m" "${NEW_TOKENS:-256}" "${PROMPT_TOKENS:-16}" "${LEVELS:-1,4,16,64}"
done
