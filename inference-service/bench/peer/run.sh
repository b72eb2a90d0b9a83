#!/usr/bin/env bash
# Peer benchmark: transformers.js vs inference-service on the same model files and prompt ids, with the
# memory-bandwidth bound, in interleaved rounds (peer.py). Starts the services with gateway-service/bench/run.sh.
# Users run it as `./llm bench --peer transformers.js [--model-dir DIR]... [--rounds N] [--output-len N]
# [--concurrency N]`, which sets the environment below and builds the jars when missing.
#   inference-service/bench/peer/run.sh [MODEL_DIR...]      (run under: flock -x /tmp/llm-cpu.lock)
# Defaults: ../shared/models/stories260K and build-models/bench-125m (when present).
# Env: MAX_TOKENS (64), CONCURRENT (16), ROUNDS (5), OUT (.run/bench). Needs the packaged jars, node, gcc.
# Each model's result is written to $OUT/peer-<UTC time>-<model>.json; the last line of the output is one JSON
# object with every model's ratios.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"
if [ ! -d "$HERE/node_modules/@huggingface/transformers" ]; then
  # the install script of onnxruntime-node would fetch CUDA libraries; its CPU binary ships in the npm package
  (cd "$HERE" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund)
fi
BIN=$ROOT/inference-service/target/peer/bandwidth
mkdir -p "$(dirname "$BIN")"
gcc -O3 -march=native -fopenmp "$HERE/bandwidth.c" -o "$BIN"
OUT=${OUT:-$ROOT/.run/bench}
mkdir -p "$OUT"
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=("$ROOT/../shared/models/stories260K")
  [ -f build-models/bench-125m/onnx/model.onnx ] && models+=("$ROOT/build-models/bench-125m")
fi
echo "commit $(git rev-parse --short HEAD), $(date -u +%FT%TZ), $(nproc) cores, node $(node --version)"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=()
for m in "${models[@]}"; do
  m=$(cd "$m" && pwd)
  log="$OUT/peer-$stamp-$(basename "$m").log"
  # room for 16 KV slots of a 1,024-token context on the 125M model (25 MB each)
  LLM_INFERENCE_KV_CACHE_BYTES=${LLM_INFERENCE_KV_CACHE_BYTES:-1GB} \
  BENCH_CLIENT="/usr/bin/python3 -u $HERE/peer.py" \
    "$ROOT/gateway-service/bench/run.sh" "$m" --model-dir "$m" --bandwidth-bin "$BIN" \
    --max-tokens "${MAX_TOKENS:-64}" --concurrency "${CONCURRENT:-16}" --rounds "${ROUNDS:-5}" \
    --threads "${LLM_INFERENCE_INTRA_OP_THREADS:-0}" | tee "$log"
  result=$(grep '^{"peer"' "$log" | tail -n 1)
  [ -n "$result" ] || { echo "peer benchmark: no result for $m (log: $log)" >&2; exit 1; }
  printf '%s\n' "$result" >"$OUT/peer-$stamp-$(basename "$m").json"
  results+=("$result")
done
# the last line: every model's result in one object
(IFS=,; printf '{"peer":"transformers.js","commit":"%s","date":"%s","models":[%s]}\n' \
  "$(git rev-parse --short HEAD)" "$stamp" "${results[*]}")
