#!/usr/bin/env bash
# Benchmark of session-service beside redis-benchmark, on one private redis-server, in one run.
#   session-service/bench/run.sh [seconds-per-measurement (default 10)]
# Prints a markdown table (paste it into session-service/README.md). Needs JDK 25, redis-server
# and redis-benchmark. Everything runs on this machine: Redis, the service and the load generators.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-10}
CLIENTS=(1 8 64)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "building session-service and its test classes" >&2
# One reactor run, so that the class path names llm-api's jar from this build.
./mvnw -B -q -pl session-service -am package dependency:build-classpath -DskipTests \
  -Dspotless.check.skip=true -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/classpath.txt" >/dev/null

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
  --logfile "$WORK/redis.log" --daemonize no &
PIDS+=($!)
until redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do sleep 0.1; done

SERVICE_PORT=$(free_port)
JAR=$(ls session-service/target/session-service-*.jar | head -n 1)
"$JAVA" -jar "$JAR" --server.port="$SERVICE_PORT" \
  --spring.data.redis.url="redis://127.0.0.1:$REDIS_PORT" --llm.session.key-prefix=bench: \
  --llm.session.max-messages-per-session=100000000 >"$WORK/service.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 240); do
  curl -sf "http://127.0.0.1:$SERVICE_PORT/actuator/health" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$SERVICE_PORT/actuator/health" >/dev/null || { cat "$WORK/service.log" >&2; exit 1; }

declare -A REDIS_RATE
for c in "${CLIENTS[@]}"; do
  n=$((c == 1 ? 50000 : 300000))
  while IFS=, read -r test rps _; do
    test=${test//\"/}; rps=${rps//\"/}
    REDIS_RATE["$test,$c"]=${rps%.*}
  done < <(redis-benchmark -p "$REDIS_PORT" -c "$c" -n "$n" -t rpush,lrange_100 --csv | tail -n +2)
done

"$JAVA" -cp "session-service/target/test-classes:session-service/target/classes:$(cat "$WORK/classpath.txt")" \
  org.llmplatform.session.bench.SessionLoad "http://127.0.0.1:$SERVICE_PORT" "$SECONDS_EACH" "${CLIENTS[@]}" \
  >"$WORK/load.csv"

echo "| clients | appends/s (service) | RPUSH/s (redis-benchmark) | ratio | reads/s (service) | LRANGE_100/s (redis-benchmark) | ratio |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for c in "${CLIENTS[@]}"; do
  append=$(awk -F, -v c="$c" '$1=="append" && $2==c {print $5}' "$WORK/load.csv")
  read_=$(awk -F, -v c="$c" '$1=="read" && $2==c {print $5}' "$WORK/load.csv")
  rpush=${REDIS_RATE["RPUSH,$c"]}
  lrange=${REDIS_RATE["LRANGE_100 (first 100 elements),$c"]}
  printf '| %s | %s | %s | %s%% | %s | %s | %s%% |\n' "$c" "$append" "$rpush" \
    "$(awk -v a="$append" -v b="$rpush" 'BEGIN{printf "%.1f", 100*a/b}')" "$read_" "$lrange" \
    "$(awk -v a="$read_" -v b="$lrange" 'BEGIN{printf "%.1f", 100*a/b}')"
done
echo
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; ${SECONDS_EACH}s per measurement"
