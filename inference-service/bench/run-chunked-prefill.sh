#!/usr/bin/env bash
# Chunked-prefill benchmark: p99 inter-token latency of running streams while long prompts arrive,
# prefilled in one pass against in chunks, and the streams alone as the reference, in one run.
#   inference-service/bench/run-chunked-prefill.sh [MODEL_DIR]
# Default model: build-models/bench-30m-4k (bench/make-long-context-model.sh writes it; bench-30m's
# 1,024-token context is too short for 2,000-token prompts).
# Before the modes, the streams alone in two windows on one engine: the first (the reference) while the batch first
# reaches its past lengths, the second over the same lengths again; it prints first / second and the RSS.
# Env: CHUNKS (0,32,128; 0 = one pass; set but empty: the two reference windows only), LONG_TOKENS (2000),
# LONG_PROMPTS (3), STREAMS (8), THREADS.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
model="${1:-build-models/bench-30m-4k}"
[ -f "$model/config.json" ] || inference-service/bench/make-long-context-model.sh
source inference-service/bench/classpath.sh
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx4g -Dllm.bench.threads="${THREADS:-0}" \
  -cp "$CP" org.llmplatform.inference.engine.ChunkedPrefillBenchmark "$model" "${CHUNKS-0,32,128}" \
  "${LONG_TOKENS:-2000}" "${LONG_PROMPTS:-3}" "${STREAMS:-8}"
