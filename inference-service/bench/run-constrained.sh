#!/usr/bin/env bash
# Constrained-decoding benchmark: decode tokens/s of a batch with a JSON Schema against the same
# batch without, in interleaved rounds on one engine; prints the median of the per-round ratios and
# their range (docs/benchmarks/structured-outputs-engine.md).
#   inference-service/bench/run-constrained.sh [MODEL_DIR]
# Default model: ../shared/models/stories260K.
# Env: NEW_TOKENS (256), BATCH (16), ROUNDS (8), PROMPT_TOKENS (16), THREADS (intra-op, 0 = ORT
# default), MASK_THREADS (2, llm.constraint.mask-threads).
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
source inference-service/bench/classpath.sh
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx4g -Dllm.bench.threads="${THREADS:-0}" \
  -Dllm.bench.mask-threads="${MASK_THREADS:-2}" \
  -cp "llm-structured/target/classes:$CP" org.llmplatform.inference.constraint.ConstrainedDecodingBenchmark \
  "${1:-../shared/models/stories260K}" "${NEW_TOKENS:-256}" "${BATCH:-16}" "${ROUNDS:-8}" "${PROMPT_TOKENS:-16}"
