#!/usr/bin/env bash
# Peer benchmark: transformers.js vs inference-service (direct and through the gateway) on the same model files and
# prompt ids, plus the memory-bandwidth bound, in one run. Starts the services with gateway-service/bench/run.sh.
#   inference-service/bench/peer/run.sh [MODEL_DIR...]      (run under: flock -x /tmp/llm-cpu.lock)
# Defaults: ../shared/models/stories260K and build-models/bench-125m (when present).
# Env: MAX_TOKENS (64), CONCURRENT (16). Needs the packaged jars (./mvnw -B -DskipTests package), node, gcc.
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
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=("$ROOT/../shared/models/stories260K")
  [ -f build-models/bench-125m/onnx/model.onnx ] && models+=("$ROOT/build-models/bench-125m")
fi
echo "commit $(git rev-parse --short HEAD), $(date -u +%FT%TZ), $(nproc) cores, node $(node --version), onnxruntime-node $(node -p 'require("'"$HERE"'/node_modules/onnxruntime-node/package.json").version')"
for m in "${models[@]}"; do
  m=$(cd "$m" && pwd)
  # room for 16 KV slots of a 1,024-token context on the 125M model (25 MB each)
  LLM_INFERENCE_KV_CACHE_BYTES=${LLM_INFERENCE_KV_CACHE_BYTES:-1GB} \
  BENCH_CLIENT="/usr/bin/python3 -u $HERE/peer.py" \
    "$ROOT/gateway-service/bench/run.sh" "$m" --model-dir "$m" --bandwidth-bin "$BIN" \
    --max-tokens "${MAX_TOKENS:-64}" --concurrent "${CONCURRENT:-16}"
done
