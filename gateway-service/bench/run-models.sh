#!/usr/bin/env bash
# The gateway benchmark of the README on its two models, one after the other (run.sh for each):
#   stories260K     (../shared; ~0.3 ms a token: the gateway's per-token work is a large share of the time)
#   bench-25m-chat  (random weights on the default chat model's tokenizer, ~5 ms a token: a real model's decode
#                    cost, and every token decodes to text; model-tools: llmtools.fixtures bench-models
#                    --only bench-25m-chat)
# Usage: flock -x /tmp/llm-cpu.lock gateway-service/bench/run-models.sh   (BENCH_JARS as for run.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STORIES=${STORIES_DIR:-$ROOT/../shared/models/stories260K}
BENCH_MODEL=$ROOT/build-models/bench-25m-chat
if [ ! -f "$BENCH_MODEL/onnx/model.onnx" ]; then
  echo "no $BENCH_MODEL: cd model-tools && /usr/bin/python3 -m llmtools.fixtures bench-models --only bench-25m-chat" >&2
  exit 1
fi
echo "== stories260K"
"$ROOT/gateway-service/bench/run.sh" "$STORIES" --requests 20 --max-tokens 48
echo "== bench-25m-chat"
# 60 warm-up requests per path: at ~0.3 s a request, 200 would take 2 minutes
"$ROOT/gateway-service/bench/run.sh" "$BENCH_MODEL" --requests 10 --max-tokens 48 --warmup 60
