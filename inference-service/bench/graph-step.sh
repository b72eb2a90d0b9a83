#!/usr/bin/env bash
# Bare ONNX Runtime cost of one decode step (or prefill) of exported graphs, side by side (GraphStepBenchmark): for comparing
# two exports of the same weights, e.g. before and after a change to model-tools' export.
#   inference-service/bench/graph-step.sh MODEL_DIR...       (run under: flock -x /tmp/llm-cpu.lock)
# Env: PAST (144 cached positions), SEQ (1 new token per row: a decode step; e.g. PAST=0 SEQ=64 for a prefill),
# BATCHES (1,16), ROUNDS (5), STEPS (100 runs per round).
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
source inference-service/bench/classpath.sh
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx4g -cp "$CP" \
  org.llmplatform.inference.engine.GraphStepBenchmark "${PAST:-144}" "${SEQ:-1}" "${BATCHES:-1,16}" "${ROUNDS:-5}" "${STEPS:-100}" "$@" \
  2> >(grep -v -e 'WARNING' -e 'Restricted methods' >&2)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
