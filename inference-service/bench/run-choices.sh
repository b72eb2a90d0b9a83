#!/usr/bin/env bash
# n choices against n separate requests: one request of n choices (prompt prefilled once) and n requests of
# one choice that give the same tokens, in interleaved rounds: prefill passes, wall, process CPU, TTFT.
#   inference-service/bench/run-choices.sh [MODEL_DIR]
# Default model: ../shared/models/stories260K. Env: PROMPT_TOKENS (256), NEW_TOKENS (32), N (4), ROUNDS (5), THREADS.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
source inference-service/bench/classpath.sh
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx1g -Dllm.bench.threads="${THREADS:-0}" \
  -cp "$CP" org.llmplatform.inference.engine.ChoicesBenchmark "${1:-../shared/models/stories260K}" \
  "${PROMPT_TOKENS:-256}" "${NEW_TOKENS:-32}" "${N:-4}" "${ROUNDS:-5}"
