#!/usr/bin/env bash
# Batch-1 decode of two model folders (e.g. two exports of the same weights: the growing and the shared KV cache),
# rounds interleaved (A B, B A, A B …), one EngineBenchmark JVM (LEVELS=1) per folder and round, so that a burst of
# load on a shared machine falls on both: per round each one's batch-1 decode tok/s and process CPU ms per token,
# and B / A; at the end the median of the per-round ratios (min–max). The tables go to target/compare-exports/.
#   inference-service/bench/compare-exports.sh MODEL_A MODEL_B [ROUNDS]
# Env: ROUNDS (6), NEW_TOKENS (256), PROMPT_TOKENS (16), INNER (25: EngineBenchmark's rounds within each JVM, the
# median one reported; a batch-1 run of a small model lasts only tens of ms), THREADS (intra-op threads, 0 = ORT
# default). The naive baseline is left out.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
a="$1"; b="$2"; rounds="${3:-${ROUNDS:-6}}"
source inference-service/bench/classpath.sh
out=inference-service/target/compare-exports; mkdir -p "$out"; rm -f "$out"/ratios
echo "A = $a, B = $b; ${PROMPT_TOKENS:-16} prompt + ${NEW_TOKENS:-256} new tokens, batch 1, $rounds rounds"
echo "commit $(git rev-parse --short HEAD), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  order="a b"; [ $((r % 2)) = 0 ] && order="b a"
  for m in $order; do
    dir="$a"; [ "$m" = b ] && dir="$b"
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx4g -Dllm.bench.threads="${THREADS:-0}" \
      -Dllm.bench.rounds="${INNER:-25}" -Dllm.bench.naive=false -cp "$CP" org.llmplatform.inference.engine.EngineBenchmark "$dir" \
      "${NEW_TOKENS:-256}" "${PROMPT_TOKENS:-16}" 1 > "$out/r$r-$m.md" 2> "$out/r$r-$m.err"
  done
  # | KV cache, continuous batching | 1 | decode tok/s | aggregate | TTFT p50 | TTFT p99 | CPU ms per token |
  read -r tok_a cpu_a < <(awk -F'|' '/continuous batching \| 1 \|/ {print $4, $8}' "$out/r$r-a.md")
  read -r tok_b cpu_b < <(awk -F'|' '/continuous batching \| 1 \|/ {print $4, $8}' "$out/r$r-b.md")
  awk -v r="$r" -v ta="$tok_a" -v ca="$cpu_a" -v tb="$tok_b" -v cb="$cpu_b" -v ld="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "round %d (load %s): A %.1f tok/s %.3f ms CPU/token, B %.1f tok/s %.3f ms CPU/token; B/A tok/s %.3f, CPU/token %.3f\n", r, ld, ta, ca, tb, cb, tb / ta, cb / ca }'
  echo "$tok_a $cpu_a $tok_b $cpu_b" >> "$out/ratios"
done
# column k of the ratios file, sorted: median (mean of the middle two for an even count), min, max
summary() {
  sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "%.3f (%.3f–%.3f)", m, v[1], v[NR] }'
}
echo "median (min–max) of $rounds rounds:"
echo "  A: $(awk '{print $1}' "$out/ratios" | summary) tok/s, $(awk '{print $2}' "$out/ratios" | summary) ms CPU per token"
echo "  B: $(awk '{print $3}' "$out/ratios" | summary) tok/s, $(awk '{print $4}' "$out/ratios" | summary) ms CPU per token"
echo "  B / A per round: tok/s $(awk '{print $3 / $1}' "$out/ratios" | summary), CPU per token $(awk '{print $4 / $2}' "$out/ratios" | summary)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
