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

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
  --logfile "$WORK/redis.log" --daemonize no &
PIDS+=($!)
until redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do sleep 0.1; done

SERVICE_PORT=$(free_port)
JAR=session-service/target/session-service-0.1.0-SNAPSHOT.jar
"$JAVA" -jar "$JAR" --server.port="$SERVICE_PORT" \
  --spring.data.redis.url="redis://127.0.0.1:$REDIS_PORT" --llm.session.key-prefix=bench: \
  --llm.session.max-messages-per-session=100000000 >"$WORK/service.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 240); do
  curl -sf "http://127.0.0.1:$SERVICE_PORT/actuator/health" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$SERVICE_PORT/actuator/health" >/dev/null || { cat "$WORK/service.log" >&2; exit 1; }

# redis-benchmark runs, beside RPUSH and LRANGE_100 (the bare commands an append and a read boil
# down to), the service's own scripts with the keys and arguments the service sends them: EVALSHA
# append.lua on a session the service created (one 200-byte user message with token_count 50 and
# a fresh random idempotency key per call, as the service makes for an append without one), and
# EVALSHA messages.lua on a session of 20 such messages with max_tokens=4096. That is the work
# Redis does for one append / one read of the service, so the ratio measures what the service
# (HTTP, JSON, Lettuce) adds on top of it.
api() { curl -sf -H 'content-type: application/json' "$@"; }
new_session() {
  api -XPOST "http://127.0.0.1:$SERVICE_PORT/v1/sessions" -d '{"owner":"bench","system_prompt":"Be brief."}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}
CONTENT=$(printf 'x%.0s' $(seq 200))
APPEND_ID=$(new_session)
READ_ID=$(new_session)
for _ in $(seq 20); do
  api -XPOST "http://127.0.0.1:$SERVICE_PORT/v1/sessions/$READ_ID/messages?owner=bench" \
    -d "{\"messages\":[{\"role\":\"user\",\"content\":\"$CONTENT\",\"token_count\":50}]}" >/dev/null
done
# Keys as SessionKeys names them (prefix bench:, owner bench): hash, msgs, idem, index, costs, sys.
session_keys() { local s="bench:{bench}:s:$1"; echo "$s $s:msgs $s:idem bench:{bench}:sessions $s:costs $s:sys"; }
APPEND_SHA=$(redis-cli -p "$REDIS_PORT" -x SCRIPT LOAD < session-service/src/main/resources/redis/append.lua)
READ_SHA=$(redis-cli -p "$REDIS_PORT" -x SCRIPT LOAD < session-service/src/main/resources/redis/messages.lua)
NOW_MS=$(($(date +%s) * 1000))
STORED="{\"role\":\"user\",\"content\":\"$CONTENT\",\"token_count\":50,\"ts\":$NOW_MS}"
# shellcheck disable=SC2046 # the keys are meant to split into words
APPEND_CMD=(EVALSHA "$APPEND_SHA" 6 $(session_keys "$APPEND_ID") bench "$APPEND_ID" "" "r:__rand_int__"
  "$NOW_MS" 86400000 100000000 0 "$STORED" 50)
# shellcheck disable=SC2046
READ_CMD=(EVALSHA "$READ_SHA" 6 $(session_keys "$READ_ID") bench 4096)
reply=$(redis-cli -p "$REDIS_PORT" "${READ_CMD[@]}" | head -n 1)
[ "$reply" = WINDOW ] || { echo "messages.lua answered '$reply', not WINDOW" >&2; exit 1; }

declare -A REDIS_RATE
# requests/s: 7th CSV field from the end (the test name, the command, may hold commas itself)
rate() { redis-benchmark -p "$REDIS_PORT" --csv "$@" | tail -n 1 | rev | cut -d, -f7 | rev | tr -d '"' | cut -d. -f1; }
for c in "${CLIENTS[@]}"; do
  n=$((c == 1 ? 30000 : 200000))
  while IFS=, read -r test rps _; do
    test=${test//\"/}; rps=${rps//\"/}
    REDIS_RATE["$test,$c"]=${rps%.*}
  done < <(redis-benchmark -p "$REDIS_PORT" -c "$c" -n "$n" -t rpush,lrange_100 --csv | tail -n +2)
  REDIS_RATE["append.lua,$c"]=$(rate -c "$c" -n "$n" -r 100000000000 "${APPEND_CMD[@]}")
  # Empty the session again (hash kept, so it stays consistent) rather than grow it by 100 MB.
  # shellcheck disable=SC2046
  redis-cli -p "$REDIS_PORT" DEL $(session_keys "$APPEND_ID" | cut -d' ' -f2,3,5,6) >/dev/null
  REDIS_RATE["messages.lua,$c"]=$(rate -c "$c" -n "$n" "${READ_CMD[@]}")
done

"$JAVA" -cp "session-service/target/test-classes:session-service/target/classes:$(cat "$WORK/classpath.txt")" \
  org.llmplatform.session.bench.SessionLoad "http://127.0.0.1:$SERVICE_PORT" "$SECONDS_EACH" "${CLIENTS[@]}" \
  >"$WORK/load.csv"

pct() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f%%", 100*a/b}'; }
echo "| clients | appends/s (service) | EVALSHA append.lua/s | ratio | RPUSH/s | ratio | reads/s (service) | EVALSHA messages.lua/s | ratio | LRANGE_100/s | ratio |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for c in "${CLIENTS[@]}"; do
  append=$(awk -F, -v c="$c" '$1=="append" && $2==c {print $5}' "$WORK/load.csv")
  read_=$(awk -F, -v c="$c" '$1=="read" && $2==c {print $5}' "$WORK/load.csv")
  script_append=${REDIS_RATE["append.lua,$c"]}
  rpush=${REDIS_RATE["RPUSH,$c"]}
  script_read=${REDIS_RATE["messages.lua,$c"]}
  lrange=${REDIS_RATE["LRANGE_100 (first 100 elements),$c"]}
  echo "| $c | $append | $script_append | $(pct "$append" "$script_append") | $rpush | $(pct "$append" "$rpush")" \
    "| $read_ | $script_read | $(pct "$read_" "$script_read") | $lrange | $(pct "$read_" "$lrange") |"
done
stalls=$(awk -F, '$6 > 0 {printf "%s%s at %s clients: %s", sep, $1, $2, $6; sep="; "}' "$WORK/load.csv")
echo
[ -z "$stalls" ] || echo "stalled requests (unanswered for 1 s, sent again on a new connection): $stalls"
echo "machine: $(nproc) cores, load average $LOAD_BEFORE before, $(cut -d' ' -f1-3 /proc/loadavg) at the end; ${SECONDS_EACH}s per measurement"
