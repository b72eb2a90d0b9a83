#!/usr/bin/env bash
# Prefix-reuse benchmark: TTFT of a new turn after a 1,000-token conversation, with the
# conversation's KV reused against prefilled again, in one run.
#   inference-service/bench/run-prefix-reuse.sh [MODEL_DIR]
# Default model: build-models/bench-30m-4k (bench/make-long-context-model.sh writes it; bench-30m's
# 1,024-token context is too short for the conversation and its new turn).
# Env: CONVERSATION_TOKENS (1000), REPLY_TOKENS (16), NEW_TOKENS (24), CONVERSATIONS (5), THREADS.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
model="${1:-build-models/bench-30m-4k}"
[ -f "$model/config.json" ] || inference-service/bench/make-long-context-model.sh
source inference-service/bench/classpath.sh
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx4g -Dllm.bench.threads="${THREADS:-0}" \
  -cp "$CP" org.llmplatform.inference.engine.PrefixReuseBenchmark "$model" "${CONVERSATION_TOKENS:-1000}" \
  "${REPLY_TOKENS:-16}" "${NEW_TOKENS:-24}" "${CONVERSATIONS:-5}"
