#!/usr/bin/env bash
# GPU check of the IoBinding KV path: CUDA parity with the CPU and decode tokens/s with pinned
# outputs against IoBinding, on stories260K and a generated 125M-parameter model (exported twice: past and new
# concatenated into a fresh present, and GroupQueryAttention updating one buffer in place).
#
# One command on a GPU node that holds this repository (an operator's check):
#   inference-service/bench/gpu-check.sh check
#      fetches the onnxruntime_gpu jar into ~/.m2 when missing (Maven Central), then prepare and run below.
# Or two steps, where the GPU machine builds nothing:
#   1. here (dev box):   inference-service/bench/gpu-check.sh prepare
#      compiles, then puts the classes, the runtime jars (without the CPU onnxruntime jar) and a copy
#      of stories260K under inference-service/target/gpu-check/ (~10 MB).
#   2. GPU machine:      inference-service/bench/gpu-check.sh run
#      (the device tool: command "inference-service/bench/gpu-check.sh run",
#       carry ["inference-service/target/gpu-check"], timeout_s 540)
#
# The GPU machine needs: JDK 25 (JAVA_HOME, or java 25 on PATH); CUDA 12 + cuDNN 9; the
# onnxruntime_gpu jar of the project's version (ORT_GPU_JAR, else ~/.m2; it is 370+ MB, too big to
# carry); /usr/bin/python3 with torch and onnx to generate bench-125m into build-models/ (skipped
# with a note when absent; an existing build-models/bench-125m is used as is).
# Env: NEW_TOKENS (128), ROUNDS (3), MODELS (space-separated model dirs instead of the two),
# GPU_CHECK_DEVICE (cuda-required; cpu = a dry run of the same
# flow on the CPU with ORT_GPU_JAR pointing at the CPU jar). Output also goes to $OUT/gpu-check.log
# when $OUT is set.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd)"
KIT=inference-service/target/gpu-check
ORT_VERSION=1.24.1

mvn_quiet() { ./mvnw -B -q -o "$@" 2>/dev/null || ./mvnw -B -q "$@"; }

prepare() {
  export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
  # offline when the local repository has everything, else from Maven Central (a fresh node)
  mvn_quiet -pl llm-api,inference-service -am test-compile -DskipTests
  rm -rf "$KIT" && mkdir -p "$KIT/lib" "$KIT/models"
  mvn_quiet -pl inference-service dependency:copy-dependencies -DincludeScope=runtime \
    -DincludeArtifactIds=llm-api,jackson-annotations,jackson-core,jackson-databind,slf4j-api,logback-classic,logback-core,jspecify \
    -DoutputDirectory="$ROOT/$KIT/lib" >/dev/null
  cp -r inference-service/target/classes "$KIT/classes"
  mkdir -p "$KIT/test-classes/org/llmplatform/inference/engine"
  # the two mains and the helpers they use (not the test suite)
  for c in DeviceParityCheck KvBindingBenchmark OnnxModelExecutorParityTest EngineBenchmark ChunkedPrefillBenchmark; do
    cp inference-service/target/test-classes/org/llmplatform/inference/engine/"$c"*.class \
      "$KIT/test-classes/org/llmplatform/inference/engine/"
  done
  cp -r "${STORIES_DIR:-../shared/models/stories260K}" "$KIT/models/stories260K"
  du -sh "$KIT"
}

find_java() {
  for j in "${JAVA_HOME:-}/bin/java" /usr/lib/jvm/temurin-25-jdk-amd64/bin/java /usr/lib/jvm/*25*/bin/java "$(command -v java || true)"; do
    if [ -x "$j" ] && "$j" -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
      echo "$j"; return 0
    fi
  done
  echo "gpu-check: no JDK 25 found (set JAVA_HOME)" >&2; return 1
}

find_ort_gpu_jar() {
  for j in "${ORT_GPU_JAR:-}" \
      "$HOME/.m2/repository/com/microsoft/onnxruntime/onnxruntime_gpu/$ORT_VERSION/onnxruntime_gpu-$ORT_VERSION.jar"; do
    if [ -n "$j" ] && [ -f "$j" ]; then echo "$j"; return 0; fi
  done
  echo "gpu-check: onnxruntime_gpu-$ORT_VERSION.jar not found (set ORT_GPU_JAR)" >&2; return 1
}

run() {
  [ -d "$KIT/classes" ] || { echo "gpu-check: $KIT is missing: run 'gpu-check.sh prepare' on the dev box and carry it" >&2; exit 2; }
  local java ort device
  java="$(find_java)"
  ort="$(find_ort_gpu_jar)"
  device="${GPU_CHECK_DEVICE:-cuda-required}"
  ORT_TMP="$(mktemp -d)"   # ORT Java extracts its native libraries here
  trap 'rm -rf "$ORT_TMP"' EXIT
  echo "== $(date -u +%FT%TZ) gpu-check on $(hostname), device $device"
  "$java" -version 2>&1 | head -1
  echo "onnxruntime jar: $ort"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "(no nvidia-smi)"
  local models=("$KIT/models/stories260K")
  if [ -n "${MODELS:-}" ]; then
    read -r -a models <<<"$MODELS"
  else
    # the 125M model as the copying export and as the one whose KV cache is updated in place
    local m
    for m in bench-125m bench-125m-shared-kv; do
      if [ -f "build-models/$m/onnx/model.onnx" ]; then
        models+=("build-models/$m")
      elif /usr/bin/python3 -c 'import torch, onnx' 2>/dev/null; then
        echo "generating build-models/$m (model-tools, CPU)"
        (cd model-tools && /usr/bin/python3 -m llmtools.fixtures bench-models --only "$m")
        models+=("build-models/$m")
      else
        echo "NOTE: /usr/bin/python3 lacks torch/onnx: $m not generated and not checked"
      fi
    done
  fi
  local cp="$KIT/test-classes:$KIT/classes:$KIT/lib/*:$ort"
  local jvm=("$java" --enable-native-access=ALL-UNNAMED -Xmx8g -Djava.io.tmpdir="$ORT_TMP"
    -Dllm.bench.device="$device" -cp "$cp")
  local status=0
  for m in "${models[@]}"; do
    echo "== parity: $m"
    "${jvm[@]}" org.llmplatform.inference.engine.DeviceParityCheck "$m" 24 2>&1 | grep -v ' INFO ' || status=1
    echo "== decode tokens/s, pinned vs iobinding: $m"
    "${jvm[@]}" org.llmplatform.inference.engine.KvBindingBenchmark "$m" "${NEW_TOKENS:-128}" 16 1,16 "${ROUNDS:-3}" 2>/dev/null | grep -v " INFO " || status=1
  done
  echo "== gpu-check exit status $status"
  return $status
}

check() {
  export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
  if [ -z "${ORT_GPU_JAR:-}" ] && ! find_ort_gpu_jar >/dev/null 2>&1; then
    echo "gpu-check: fetching onnxruntime_gpu $ORT_VERSION (370+ MB) into ~/.m2"
    ./mvnw -B -q dependency:get -Dartifact="com.microsoft.onnxruntime:onnxruntime_gpu:$ORT_VERSION"
  fi
  prepare
  if [ -n "${OUT:-}" ]; then run 2>&1 | tee "$OUT/gpu-check.log"; exit "${PIPESTATUS[0]}"; else run; fi
}

case "${1:-}" in
  check) check ;;
  prepare) prepare ;;
  run)
    if [ -n "${OUT:-}" ]; then run 2>&1 | tee "$OUT/gpu-check.log"; exit "${PIPESTATUS[0]}"; else run; fi ;;
  *) echo "usage: $0 check|prepare|run" >&2; exit 2 ;;
esac
