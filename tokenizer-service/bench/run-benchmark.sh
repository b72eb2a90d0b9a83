#!/usr/bin/env bash
# Tokenizer benchmark: single-thread tokens/s of encode/decode/streaming decode in Java (Rust
# tokenizers through DJL) against the Node reference (transformers.js) on the golden strings, then the
# p50/p99 latency of each endpoint of a running service (requests one after another). Prints
# markdown tables.
#   tokenizer-service/bench/run-benchmark.sh
# Tokenizers: tiny-llama-gqa (test-models), stories260K (../shared), qwen3 and llama3 (fetched by
# model-tools/tokenizer-goldens/fetch.sh); those absent are left out. Env: PORT (18181).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
GOLDENS=tokenizer-service/src/test/resources/goldens
NODE_DIR=model-tools/tokenizer-goldens
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

./mvnw -B -q -o -pl llm-api,tokenizer-service test-compile package -DskipTests 2>/dev/null \
  || ./mvnw -B -q -pl llm-api,tokenizer-service test-compile package -DskipTests
./mvnw -B -q -o -pl llm-api,tokenizer-service dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$OUT/classpath" >/dev/null
CP="tokenizer-service/target/test-classes:tokenizer-service/target/classes:llm-api/target/classes:$(cat "$OUT/classpath")"
[ -d "$NODE_DIR/node_modules/@huggingface/transformers" ] || "$NODE_DIR/fetch.sh"

declare -A DIRS=(
  [tiny-llama-gqa]=test-models/tiny-llama-gqa
  [stories260K]=../shared/models/stories260K
  [qwen3]=model-tools/.cache/tokenizers/qwen3
  [llama3]=model-tools/.cache/tokenizers/llama3
)
for name in tiny-llama-gqa stories260K qwen3 llama3; do
  dir=${DIRS[$name]}
  [ -f "$dir/tokenizer.json" ] || { echo "bench: skip $name (no $dir/tokenizer.json)" >&2; continue; }
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true -cp "$CP" \
    org.llmplatform.tokenizer.model.TokenizerBenchmark lib "$GOLDENS/$name.json" "$dir" "$name" \
    2>/dev/null | grep '^{' >>"$OUT/results.jsonl"
  (cd "$NODE_DIR" && node bench.mjs "$ROOT/$GOLDENS/$name.json" "$ROOT/$dir" "$name") >>"$OUT/results.jsonl"
done

PORT=${PORT:-18181}
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar tokenizer-service/target/tokenizer-service-*-SNAPSHOT.jar \
  --server.port="$PORT" --llm.tokenizer.models.gqa.dir=test-models/tiny-llama-gqa >"$OUT/service.log" 2>&1 &
SERVICE=$!
for _ in $(seq 120); do
  curl -fs "http://127.0.0.1:$PORT/actuator/health" >/dev/null 2>&1 && break
  sleep 0.5
done
"$JAVA_HOME/bin/java" -cp "$CP" org.llmplatform.tokenizer.model.TokenizerBenchmark http \
  "http://127.0.0.1:$PORT" "$GOLDENS/tiny-llama-gqa.json" gqa 2>/dev/null | grep '^{' >>"$OUT/results.jsonl" || true
kill "$SERVICE"

python3 - "$OUT/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
lib = {}
for r in rows:
    if r["impl"] in ("java", "node"):
        lib.setdefault((r["tokenizer"], r["what"]), {})[r["impl"]] = r["tokens_per_s"]
print("| tokenizer | operation | Java (DJL/Rust) tokens/s | Node (transformers.js) tokens/s | Java/Node |")
print("|---|---|---:|---:|---:|")
for (tok, what), v in lib.items():
    j, n = v.get("java"), v.get("node")
    ratio = f"{j / n:.1f}×" if j and n else "–"
    print(f"| {tok} | {what} | {j:,.0f} | {n:,.0f} | {ratio} |" if n else f"| {tok} | {what} | {j:,.0f} | – | – |")
print()
print("| endpoint (tiny-llama-gqa) | p50 ms | p99 ms |")
print("|---|---:|---:|")
for r in rows:
    if r["impl"] == "http":
        print(f"| {r['endpoint']} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} |")
PY
