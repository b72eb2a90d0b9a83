#!/usr/bin/env bash
# int8 weights against fp32, in one run: file sizes, decode tokens/s (bench/run-benchmark.sh on both), and quality
# through the engine's executor (Int8Quality.java: logits along the fp32 greedy path, greedy agreement, and
# teacher-forced loss on models/chat-default's held-out test conversations).
#   inference-service/bench/peer/int8.sh         (run under: flock -x /tmp/llm-cpu.lock)
# Makes build-models/bench-30m (when missing) and the int8 variants with model-tools' llmtools.quantize.
# Env: NEW_TOKENS (64), LEVELS (1,16), ROUNDS (3, medians), CONVERSATIONS (100), FORMAT (nbits).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
OUT=$ROOT/inference-service/target/peer
mkdir -p "$OUT"
[ -f build-models/bench-30m/onnx/model.onnx ] || \
  (cd model-tools && /usr/bin/python3 -m llmtools.fixtures bench-models --only bench-30m)
for m in build-models/bench-30m models/chat-default; do
  (cd model-tools && /usr/bin/python3 -m llmtools.quantize "../$m" "../build-models/$(basename "$m")-int8" \
     --format "${FORMAT:-nbits}")
done
/usr/bin/python3 "$HERE/conversation_ids.py" models/chat-default "$OUT/chat-default-test.jsonl" "${CONVERSATIONS:-100}"
echo "commit $(git rev-parse --short HEAD), $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for m in build-models/bench-30m models/chat-default; do
  echo "$(basename "$m"): $(stat -c %s "$m/onnx/model.onnx") bytes fp32, $(stat -c %s "build-models/$(basename "$m")-int8/onnx/model.onnx") bytes int8"
done
NEW_TOKENS=${NEW_TOKENS:-64} LEVELS=${LEVELS:-1,16} ROUNDS=${ROUNDS:-3} inference-service/bench/run-benchmark.sh \
  build-models/bench-30m build-models/bench-30m-int8 2>&1 | grep -v -E '^[0-9:.]+ \[|^Run\['
CP="inference-service/target/test-classes:inference-service/target/classes:llm-api/target/classes:$(cat inference-service/target/bench.classpath)"
for pair in "build-models/bench-30m build-models/bench-30m-int8" \
            "models/chat-default build-models/chat-default-int8 $OUT/chat-default-test.jsonl"; do
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$CP" "$HERE/Int8Quality.java" $pair 2>&1 \
    | grep -v -E '^[0-9:.]+ \['
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
