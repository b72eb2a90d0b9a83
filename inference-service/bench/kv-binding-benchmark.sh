#!/usr/bin/env bash
# KV binding benchmark: pinned outputs (ORT Java) against IoBinding (C API over FFM), side by side in
# one run — decode tokens/s per request and aggregate tokens/s at 1 and 16 concurrent requests,
# median of interleaved rounds. Prints a markdown table per model.
#   inference-service/bench/kv-binding-benchmark.sh [MODEL_DIR...]
# Defaults: ../shared/models/stories260K and build-models/bench-30m (when present).
# Env: NEW_TOKENS (256), PROMPT_TOKENS (16), LEVELS (1,16), ROUNDS (3), THREADS (intra-op threads,
# 0 = ORT default), DEVICE (cpu | cuda-required).
# Run it under the exclusive CPU lock: flock -x /tmp/llm-cpu.lock inference-service/bench/kv-binding-benchmark.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
source inference-service/bench/classpath.sh
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=(../shared/models/stories260K)
  [ -f build-models/bench-30m/onnx/model.onnx ] && models+=(build-models/bench-30m)
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for m in "${models[@]}"; do
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx4g \
    -Dllm.bench.threads="${THREADS:-0}" -Dllm.bench.device="${DEVICE:-cpu}" \
    -cp "$CP" org.llmplatform.inference.engine.KvBindingBenchmark \
    "$m" "${NEW_TOKENS:-256}" "${PROMPT_TOKENS:-16}" "${LEVELS:-1,16}" "${ROUNDS:-3}"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
