#!/usr/bin/env bash
# Starts tokenizer, inference, session and gateway from their packaged jars on spare ports (18081-18084) with one
# model, runs bench.py against them, and stops them. Usage: gateway-service/bench/run.sh [model-dir] [bench args]
# Build first: ./mvnw -B -DskipTests package. BENCH_JARS=<folder> takes the four jars from that folder instead
# (e.g. copies of an earlier build, to compare before and after on the same machine). BENCH_JVM_OPTS_<name>
# (name: tokenizer, inference, session, gateway) adds JVM options to one service, e.g. a flight recording.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODEL_DIR=${1:-$ROOT/test-models/tiny-llama-mha}; shift || true
MODEL=$(basename "$MODEL_DIR")
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
LOGS=$ROOT/gateway-service/target/bench-logs; mkdir -p "$LOGS"
KEY=sk-bench-$$; HASH=$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
start() { # name jar args...
  local name=$1 jar=$2; shift 2
  local opts=BENCH_JVM_OPTS_$name  # e.g. BENCH_JVM_OPTS_gateway="-XX:StartFlightRecording=filename=gw.jfr"
  # shellcheck disable=SC2086
  "$JAVA" ${!opts:-} --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true -jar "${BENCH_JARS:-$ROOT/$jar/target}/$jar-0.1.0-SNAPSHOT.jar" "$@" \
    >"$LOGS/$name.log" 2>&1 &
  PIDS+=($!)
}
start tokenizer tokenizer-service --server.port=18081 --llm.tokenizer.default-model="$MODEL" --llm.tokenizer.models."$MODEL".dir="$MODEL_DIR"
start inference inference-service --server.port=18082 --llm.model.dir="$MODEL_DIR"
start session session-service --server.port=18083
start gateway gateway-service --server.port=18084 --management.server.port=19084 --llm.gateway.tokenizer-url=http://127.0.0.1:18081 \
  --llm.gateway.session-url=http://127.0.0.1:18083 --llm.gateway.models."$MODEL".inference-url=http://127.0.0.1:18082 \
  --llm.gateway.api-keys[0].sha256="$HASH" --llm.gateway.api-keys[0].tenant=bench \
  --llm.gateway.api-keys[0].requests-per-minute=1000000 --llm.gateway.api-keys[0].tokens-per-minute=1000000000
for port in 18081 18082 19084; do  # the benchmark needs no sessions; the gateway's health is on its management port
  for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/actuator/health" | grep -q UP && break; sleep 0.5; done
done
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # CPU time a process has used, in ticks (1/100 s)
jit() { # CPU time of a JVM's JIT compiler threads, in ticks
  local t sum=0
  for t in /proc/"$1"/task/*; do
    if grep -q CompilerThre "$t/comm" 2>/dev/null; then sum=$((sum + $(awk '{print $14 + $15}' "$t/stat"))); fi
  done
  echo "$sum"
}
BEFORE=("$(cpu "${PIDS[0]}")" "$(cpu "${PIDS[1]}")" "$(cpu "${PIDS[3]}")")
BEFORE_JIT=("$(jit "${PIDS[0]}")" "$(jit "${PIDS[1]}")" "$(jit "${PIDS[3]}")")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
export BENCH_GATEWAY_PID=${PIDS[3]}  # for clients that read the gateway's CPU time (steady.py --gateway-cpu)
# BENCH_CLIENT replaces bench.py with another client taking the same arguments (inference-service/bench/peer uses it)
${BENCH_CLIENT:-python3 -u "$ROOT/gateway-service/bench/bench.py"} --gateway http://127.0.0.1:18084 --inference http://127.0.0.1:18082 \
  --tokenizer http://127.0.0.1:18081 --key "$KEY" --model "$MODEL" "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
used() { # service index, pid: CPU seconds since BEFORE, and those of its JIT compiler threads
  awk -v a="${BEFORE[$1]}" -v b="$(cpu "$2")" -v ja="${BEFORE_JIT[$1]}" -v jb="$(jit "$2")" \
    'BEGIN { printf "%.2f (JIT compiler %.2f)", (b - a) / 100, (jb - ja) / 100 }'
}
echo "CPU seconds used during the benchmark: tokenizer $(used 0 "${PIDS[0]}")," \
  "inference $(used 1 "${PIDS[1]}"), gateway $(used 2 "${PIDS[3]}")"
