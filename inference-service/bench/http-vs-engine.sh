#!/usr/bin/env bash
# inference-service's HTTP streaming against the bare engine, in one run with the rounds interleaved: each round,
# EngineBenchmark submits CONCURRENT requests to an engine in its own JVM, then http_streams.py sends as many
# streamed requests (same prompt length, same number of new tokens, random prompt ids, greedy, ignore_eos) to the
# inference-service jar started here; per round the HTTP aggregate tok/s over the engine's and the service's CPU
# per token over the engine process's, each as the median with min-max (the target: >= 95% of the engine's tok/s
# at 16 streams on bench-125m).
#   inference-service/bench/http-vs-engine.sh [MODEL_DIR]      (run under: flock -x /tmp/llm-cpu.lock)
# Default model: build-models/bench-125m. Env: CONCURRENT (16), NEW_TOKENS (128), PROMPT_TOKENS (16), ROUNDS (5),
# THREADS (intra-op threads of both, 0 = ORT default), WARMUP (20 s of the client before the rounds). The
# service gets a KV budget for every request, as the benchmark's engine has. Needs the packaged inference-service jar.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
MODEL_DIR=$(cd "${1:-build-models/bench-125m}" && pwd)
source inference-service/bench/classpath.sh
JAR=$(ls inference-service/target/inference-service-*.jar | grep -v -e '-plain.jar' -e '-tests.jar' | head -n 1)
PORT=18182
LOG=inference-service/target/http-vs-engine.log
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$JAR" --server.port=$PORT \
  --llm.model.dir="$MODEL_DIR" --llm.inference.intra-op-threads="${THREADS:-0}" \
  --llm.inference.max-batch-size="${CONCURRENT:-16}" --llm.inference.kv-cache-bytes=2GB >"$LOG" 2>&1 &
SERVICE=$!
trap 'kill $SERVICE 2>/dev/null || true' EXIT
for _ in $(seq 600); do curl -fs "http://127.0.0.1:$PORT/actuator/health/readiness" | grep -q UP && break; sleep 0.5; done
curl -fs "http://127.0.0.1:$PORT/actuator/health/readiness" | grep -q UP || { echo "inference-service not ready: $LOG" >&2; exit 1; }
VOCAB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vocab_size"])' "$MODEL_DIR/config.json")
CLIENT="python3 -u inference-service/bench/http_streams.py --url http://127.0.0.1:$PORT --concurrency ${CONCURRENT:-16}"
CLIENT+=" --prompt-tokens ${PROMPT_TOKENS:-16} --new-tokens ${NEW_TOKENS:-128} --vocab $VOCAB --pid $SERVICE"
# warm-up of the service's request path for WARMUP seconds (at least one run): on a small model the JIT is
# still compiling the SSE path after a few runs (stories260K: 2,500 tok/s after one, 7,400 after ten)
end=$((SECONDS + ${WARMUP:-20}))
while :; do $CLIENT >/dev/null; [ $SECONDS -lt $end ] || break; done
echo "commit $(git rev-parse --short HEAD), $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx4g -Dllm.bench.threads="${THREADS:-0}" \
  -Dllm.bench.rounds="${ROUNDS:-5}" -Dllm.bench.naive=false -Dllm.bench.between="$CLIENT" \
  -cp "$CP" org.llmplatform.inference.engine.EngineBenchmark "$MODEL_DIR" "${NEW_TOKENS:-128}" \
  "${PROMPT_TOKENS:-16}" "${CONCURRENT:-16}"
