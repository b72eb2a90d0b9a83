#!/usr/bin/env bash
# The chunked-prefill benchmark on two builds, rounds interleaved (A B, B A, A B …): this tree against another
# checkout (e.g. `git archive BASE | tar -x -C /tmp/base`), each round one JVM per build, so a burst of load
# on a shared machine falls on both builds. Prints each run's summary line; the tables go to target/compare/.
#   inference-service/bench/compare-chunked-prefill.sh OTHER_TREE [ROUNDS] [MODEL_DIR]
# Both trees must be compiled with the same ChunkedPrefillBenchmark (copy this tree's into the other one first):
# the script runs `test-compile` and `dependency:build-classpath` in each. Env as run-chunked-prefill.sh
# (CHUNKS set but empty: the two reference windows only, ~10 s a run).
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
other="$(cd "$1" && pwd)"; rounds="${2:-6}"; model="$(pwd)/${3:-build-models/bench-30m-4k}"
[ -f "$model/config.json" ] || inference-service/bench/make-long-context-model.sh
out="$(pwd)/inference-service/target/compare"; mkdir -p "$out"
classpath() { # compiles tree $1 (classpath.sh) and prints its benchmark classpath, absolute
  (cd "$1" && source inference-service/bench/classpath.sh >&2 \
    && echo "$1/inference-service/target/test-classes:$1/inference-service/target/classes:$1/llm-api/target/classes:$(cat inference-service/target/bench.classpath)")
}
this_cp="$(classpath "$(pwd)")"; other_cp="$(classpath "$other")"
for r in $(seq 1 "$rounds"); do
  order="other this"; [ $((r % 2)) = 0 ] && order="this other"
  for b in $order; do
    cp="$this_cp"; [ "$b" = other ] && cp="$other_cp"
    echo "round $r $b $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx4g -Dllm.bench.threads="${THREADS:-0}" -cp "$cp" \
      org.llmplatform.inference.engine.ChunkedPrefillBenchmark "$model" "${CHUNKS-0,32,128}" \
      "${LONG_TOKENS:-2000}" "${LONG_PROMPTS:-3}" "${STREAMS:-8}" > "$out/r$r-$b.md" 2> "$out/r$r-$b.err"
    grep "reference / second" "$out/r$r-$b.md"
  done
done
